import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../access/access.decorator';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { QueryReadInBrowser } from '../common/validation/reject-unexpected-query.guard';
import { AppConfig } from '../config/app-config';
import { mapViewerConfig, ViewerConfigDto } from './dto/viewer-config.dto';
import { VIEWER_ASSETS, ViewerFiles } from './viewer-files';

/**
 * The dataset viewer's static files. Public on purpose: the page holds no
 * data; everything it shows it asks the API for with the token the user
 * pastes or gets from the OIDC login, under that token's access rules.
 */
@ApiTags('viewer')
@Controller('ui')
export class UiController {
  constructor(
    private readonly files: ViewerFiles,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Access('public')
  @QueryReadInBrowser()
  @ApiOperation({
    summary: 'The dataset viewer (HTML)',
    description:
      'A page for browsers: sign in with a token or OIDC, search datasets, see their charts, statistics, versions and events. ' +
      "It is also the OIDC login's redirect URI: the identity provider sends the browser back here with `?code=…&state=…` " +
      '(or `?error=…`), which the page reads; the server ignores any query.',
  })
  @ApiOkResponse({ description: 'The viewer page.', content: { 'text/html': { schema: { type: 'string' } } } })
  getViewer(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  // Before ':file', which would take the name otherwise.
  @Get('config.json')
  @Access('public')
  @ApiOperation({
    summary: "The viewer's settings",
    description: 'Whether the page offers "Sign in with OIDC" and with which public client, endpoints and scope. Holds no secret.',
  })
  @ApiOkResponse({ type: ViewerConfigDto, description: "The viewer's settings." })
  getViewerConfig(): ViewerConfigDto {
    return mapViewerConfig(this.config.auth.oidc);
  }

  @Get(':file')
  @Access('public')
  @ApiOperation({ summary: "One of the viewer's scripts or style sheets" })
  @ApiParam({ name: 'file', schema: { type: 'string', enum: Object.keys(VIEWER_ASSETS).filter((name) => name !== 'index.html') } })
  @ApiOkResponse({
    description: 'The file.',
    content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses(404)
  getViewerFile(@Param('file') name: string, @Res() response: Response): void {
    this.send(response, name);
  }

  /** Revalidated on every load (Express's ETag answers 304), so a new release is picked up at once. */
  private send(response: Response, name: string): void {
    const { body, type } = this.files.get(name);
    response.setHeader('Cache-Control', 'no-cache');
    response.type(type).send(body);
  }
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Types } from 'mongoose';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ApiUserIdParam } from '../common/swagger/api-params';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { CreateTokenDto } from './dto/create-token.dto';
import { CreatedTokenResponseDto, TokenListDto } from './dto/token-response.dto';
import { ParseTokenIdPipe, TOKEN_ID_PATTERN } from './parse-token-id.pipe';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@Controller('users/:id/tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @Access('write')
  @ApiUserIdParam()
  @ApiOperation({
    summary: 'Make an API token (the secret is shown once)',
    description:
      'For the user themselves or by an admin. Scopes are at most what the caller holds; `admin` only for admin users. A training job gets a `read` token, optionally limited to named datasets.',
  })
  @ApiCreatedResponse({ type: CreatedTokenResponseDto })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  createToken(
    @Param('id', ParseObjectIdPipe) userId: Types.ObjectId,
    @Body() dto: CreateTokenDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedTokenResponseDto> {
    return this.tokens.create(userId, dto, principal);
  }

  @Get()
  @Access('read')
  @ApiUserIdParam()
  @ApiOperation({ summary: "List a user's API tokens (never their secrets)", description: 'For the user themselves or an admin.' })
  @ApiOkResponse({ type: TokenListDto })
  @ApiErrorResponses(400, 404)
  listTokens(@Param('id', ParseObjectIdPipe) userId: Types.ObjectId, @CurrentPrincipal() principal: Principal): Promise<TokenListDto> {
    return this.tokens.list(userId, principal);
  }

  @Delete(':tokenId')
  @Access('write')
  @ApiUserIdParam()
  @ApiParam({
    name: 'tokenId',
    description: 'The token id (as listed).',
    type: String,
    schema: { type: 'string', pattern: TOKEN_ID_PATTERN },
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API token', description: 'For the user themselves or an admin. The token answers 401 from then on.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrorResponses(400, 404)
  revokeToken(
    @Param('id', ParseObjectIdPipe) userId: Types.ObjectId,
    @Param('tokenId', ParseTokenIdPipe) tokenId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.tokens.revoke(userId, tokenId, principal);
  }
}

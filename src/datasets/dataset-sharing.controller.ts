import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Types } from 'mongoose';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { ApiDatasetRefParam } from '../common/swagger/api-params';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { OBJECT_ID_PATTERN } from '../common/validation/text';
import { DatasetSharingService } from './dataset-sharing.service';
import { DatasetRef } from './dataset-rules';
import { DatasetAccessDto, GrantAccessDto } from './dto/dataset-access.dto';
import { ParseDatasetRefPipe } from './parse-dataset-ref.pipe';

const GRANTEE = ApiParam({
  name: 'userId',
  description: 'The user given (or losing) access.',
  type: String,
  schema: { type: 'string', pattern: OBJECT_ID_PATTERN },
});

@ApiTags('datasets')
@Controller('datasets/:id/access')
export class DatasetSharingController {
  constructor(private readonly sharing: DatasetSharingService) {}

  @Get()
  @Access('read')
  @ApiDatasetRefParam()
  @ApiOperation({ summary: "A dataset's visibility and the users it is shared with", description: 'The owner or an admin.' })
  @ApiOkResponse({ type: DatasetAccessDto })
  @ApiErrorResponses(400, 404)
  getAccess(@Param('id', ParseDatasetRefPipe) ref: DatasetRef, @CurrentPrincipal() principal: Principal): Promise<DatasetAccessDto> {
    return this.sharing.access(ref, principal);
  }

  @Put(':userId')
  @Access('write')
  @ApiDatasetRefParam()
  @GRANTEE
  @ApiOperation({
    summary: 'Share a dataset with a user: read, or write (which includes read)',
    description: 'The owner or an admin. Granting again replaces the level. Publishes `dataset.access.granted`.',
  })
  @ApiOkResponse({
    type: DatasetAccessDto,
    links: {
      revokeAccess: {
        operationId: 'DatasetSharingController_revokeAccess',
        parameters: { id: '$request.path.id', userId: '$request.path.userId' },
        description: 'The grant is taken back with `DELETE /datasets/{id}/access/{userId}`.',
      },
    },
  })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  grantAccess(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('userId', ParseObjectIdPipe) userId: Types.ObjectId,
    @Body() dto: GrantAccessDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetAccessDto> {
    return this.sharing.grant(ref, userId, dto.level, principal);
  }

  @Delete(':userId')
  @Access('write')
  @ApiDatasetRefParam()
  @GRANTEE
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Take a user's access away", description: 'The owner or an admin. Publishes `dataset.access.revoked`.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrorResponses(400, 404)
  revokeAccess(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('userId', ParseObjectIdPipe) userId: Types.ObjectId,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.sharing.revoke(ref, userId, principal);
  }
}

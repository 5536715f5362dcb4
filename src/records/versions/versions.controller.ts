import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Principal } from '../../access/principal';
import { ApiDatasetRefParam } from '../../common/swagger/api-params';
import { ApiErrorResponses } from '../../common/swagger/api-error-responses.decorator';
import { DatasetRef } from '../../datasets/datasets.service';
import { ParseDatasetRefPipe } from '../../datasets/parse-dataset-ref.pipe';
import { CreateVersionDto, SetTagDto, TagResponseDto, VersionPageDto, VersionResponseDto, VersionsQueryDto } from './dto/version.dto';
import { ApiTagNameParam, ApiVersionParam, ParseTagNamePipe, ParseVersionNumberPipe } from './version-params';
import { VersionTagsService } from './version-tags.service';
import { VersionsService } from './versions.service';

/** Where a sealed version leads: reading it, and deleting it. */
const VERSION_LINKS = {
  findVersion: { operationId: 'VersionsController_findOne', parameters: { id: '$request.path.id', version: '$response.body#/version' } },
  removeVersion: { operationId: 'VersionsController_remove', parameters: { id: '$request.path.id', version: '$response.body#/version' } },
};

/** Where a tag that was set leads: reading it, and removing it. */
const TAG_LINKS = {
  findTag: { operationId: 'VersionsController_findTag', parameters: { id: '$request.path.id', name: '$request.path.name' } },
  removeTag: { operationId: 'VersionsController_removeTag', parameters: { id: '$request.path.id', name: '$request.path.name' } },
};

const DATASET_REF = ApiDatasetRefParam();

@ApiTags('versions')
@Controller('datasets/:id')
export class VersionsController {
  constructor(
    private readonly versions: VersionsService,
    private readonly tags: VersionTagsService,
  ) {}

  @Post('versions')
  @Access('write')
  @DATASET_REF
  @ApiOperation({
    summary: "Seal the dataset's current points as its next version",
    description:
      'Owner, write grantees and admins. The version (1, 2, 3… per dataset) never changes: later writes, deletes and field changes leave it as it was. Its `digest` is SHA-256 over a canonical encoding of its field schema and points (docs/versions.md), which a client can recompute from an export. Reads every point once; a write of the same dataset meanwhile waits for it (or gets 409). Publishes `dataset.version.created`.',
  })
  @ApiBody({
    type: CreateVersionDto,
    required: false,
    description: 'Optional: no body seals without a message or lineage.',
    examples: { message: { summary: 'A message, no lineage', value: { message: 'November training set, outliers removed' } } },
  })
  @ApiCreatedResponse({ type: VersionResponseDto, links: VERSION_LINKS })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  create(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Body() dto: CreateVersionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionResponseDto> {
    return this.versions.create(ref, dto, principal);
  }

  @Get('versions')
  @Access('read')
  @DATASET_REF
  @ApiOperation({ summary: "A dataset's versions, by number", description: 'Anyone who may read the dataset.' })
  @ApiOkResponse({ type: VersionPageDto })
  @ApiErrorResponses(400, 404)
  list(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: VersionsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionPageDto> {
    return this.versions.list(ref, query, principal);
  }

  @Get('versions/:version')
  @Access('read')
  @DATASET_REF
  @ApiVersionParam()
  @ApiOperation({ summary: 'One version', description: 'Anyone who may read the dataset.' })
  @ApiOkResponse({ type: VersionResponseDto })
  @ApiErrorResponses(400, 404)
  findOne(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('version', ParseVersionNumberPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionResponseDto> {
    return this.versions.findOne(ref, version, principal);
  }

  @Delete('versions/:version')
  @Access('write')
  @DATASET_REF
  @ApiVersionParam()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a version',
    description: 'The owner or an admin; 409 while tags point at it. Frees the buckets only it held. Publishes `dataset.version.deleted`.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrorResponses(400, 404, 409)
  remove(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('version', ParseVersionNumberPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.versions.remove(ref, version, principal);
  }

  @Put('tags/:name')
  @Access('write')
  @DATASET_REF
  @ApiTagNameParam()
  @ApiOperation({
    summary: 'Point a tag at a version',
    description:
      "Owner, write grantees and admins. 201 when the tag is new, 200 when it already points there. Tags do not move: pointing one at another version is a 409 unless `force` is true, which only the owner or an admin may set. Publishes `dataset.tagged` (with `previousVersion` when moved). Version tags are not the dataset's `tags` (its labels).",
  })
  @ApiCreatedResponse({ type: TagResponseDto, description: 'The tag was created.', links: TAG_LINKS })
  @ApiOkResponse({ type: TagResponseDto, description: 'The tag already pointed there, or was moved with force.', links: TAG_LINKS })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  async setTag(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('name', ParseTagNamePipe) name: string,
    @Body() dto: SetTagDto,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TagResponseDto> {
    const { tag, created } = await this.tags.set(ref, name, dto.version, dto.force === true, principal);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return tag;
  }

  @Get('tags')
  @Access('read')
  @DATASET_REF
  @ApiOperation({ summary: "A dataset's version tags, by name", description: 'Anyone who may read the dataset.' })
  @ApiOkResponse({ type: [TagResponseDto] })
  @ApiErrorResponses(400, 404)
  listTags(@Param('id', ParseDatasetRefPipe) ref: DatasetRef, @CurrentPrincipal() principal: Principal): Promise<TagResponseDto[]> {
    return this.tags.list(ref, principal);
  }

  @Get('tags/:name')
  @Access('read')
  @DATASET_REF
  @ApiTagNameParam()
  @ApiOperation({ summary: 'One version tag', description: 'Anyone who may read the dataset.' })
  @ApiOkResponse({ type: TagResponseDto })
  @ApiErrorResponses(400, 404)
  findTag(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('name', ParseTagNamePipe) name: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TagResponseDto> {
    return this.tags.findOne(ref, name, principal);
  }

  @Delete('tags/:name')
  @Access('write')
  @DATASET_REF
  @ApiTagNameParam()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a tag', description: 'The owner or an admin; the version stays. Publishes `dataset.untagged`.' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrorResponses(400, 404)
  removeTag(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Param('name', ParseTagNamePipe) name: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.tags.remove(ref, name, principal);
  }
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { ApiBulkBody, MAX_BULK_ITEMS, ParseBulkArrayPipe } from '../common/bulk/parse-bulk-array.pipe';
import { ApiDatasetRefParam } from '../common/swagger/api-params';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsBulkService } from './datasets-bulk.service';
import { DatasetRef, DatasetsService } from './datasets.service';
import { BulkDatasetsResponseDto } from './dto/bulk-datasets-response.dto';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { DeleteDatasetQueryDto } from './dto/delete-dataset-query.dto';
import { DatasetPageDto, DatasetResponseDto } from './dto/dataset-response.dto';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { UpdateDatasetDto } from './dto/update-dataset.dto';
import { ParseDatasetRefPipe } from './parse-dataset-ref.pipe';

@ApiTags('datasets')
@Controller('datasets')
export class DatasetsController {
  constructor(
    private readonly datasetsService: DatasetsService,
    private readonly bulk: DatasetsBulkService,
    private readonly trash: DatasetTrashService,
  ) {}

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Register a dataset', description: 'For the caller, unless an admin names another `ownerId`.' })
  @ApiCreatedResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 409, 413, 415, 422)
  createDataset(@Body() dto: CreateDatasetDto, @CurrentPrincipal() principal: Principal): Promise<DatasetResponseDto> {
    return this.datasetsService.create(dto, principal);
  }

  @Post('bulk')
  @Access('write')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `Register up to ${MAX_BULK_ITEMS} datasets at once`,
    description:
      'Each item is stored or rejected on its own; the response reports every item in request order. Rejected items leave no trace. Items name another `ownerId` than the caller only for an admin (403 for that item otherwise).',
  })
  @ApiBulkBody(CreateDatasetDto)
  @ApiOkResponse({ type: BulkDatasetsResponseDto })
  @ApiErrorResponses(400, 413, 415)
  createDatasets(@Body(ParseBulkArrayPipe) items: unknown[], @CurrentPrincipal() principal: Principal): Promise<BulkDatasetsResponseDto> {
    return this.bulk.createMany(items, principal);
  }

  @Get()
  @Access('read')
  @ApiOperation({
    summary: 'Search datasets',
    description:
      "Only datasets the caller may read. All filters combine with AND. Cursor-paged. With `trashed=true`, the caller's trash instead (an admin's: everyone's; nobody else's, whatever its grants or visibility), each with `trashedAt` and `purgeAt`.",
  })
  @ApiOkResponse({ type: DatasetPageDto })
  @ApiErrorResponses(400)
  searchDatasets(@Query() query: SearchDatasetsQueryDto, @CurrentPrincipal() principal: Principal): Promise<DatasetPageDto> {
    return this.datasetsService.search(query, principal);
  }

  @Get(':id')
  @Access('read')
  @ApiDatasetRefParam()
  @ApiOperation({ summary: 'Get a dataset by id or seq', description: 'A dataset the caller may not read is a 404.' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 404)
  getDataset(@Param('id', ParseDatasetRefPipe) ref: DatasetRef, @CurrentPrincipal() principal: Principal): Promise<DatasetResponseDto> {
    return this.datasetsService.findOne(ref, principal);
  }

  @Patch(':id')
  @Access('write')
  @ApiDatasetRefParam()
  @ApiOperation({
    summary: 'Change a dataset',
    description:
      'The owner, a user granted write, or an admin. A new `ownerId` transfers the dataset (the owner or an admin; the new owner need not accept); so does a change of `visibility`.',
  })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  updateDataset(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Body() dto: UpdateDatasetDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetResponseDto> {
    return this.datasetsService.update(ref, dto, principal);
  }

  @Delete(':id')
  @Access('write')
  @ApiDatasetRefParam('2')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a dataset (to the trash, or permanently)',
    description:
      'Moves the dataset to the trash (the owner, a user granted write, or an admin): invisible to every read, its records kept and its name still reserved for its owner, restorable with `POST /datasets/{id}/restore` for `TRASH_RETENTION_DAYS`, then purged. Publishes `dataset.trashed`. With `permanent=true` (the owner or an admin) the dataset — active or already in the trash — is purged at once with its records, and its name is free again; publishes `dataset.deleted`.',
  })
  @ApiNoContentResponse({
    description: 'Moved to the trash, or purged.',
    links: {
      restoreDataset: {
        operationId: 'DatasetsController_restoreDataset',
        parameters: { id: '$request.path.id' },
        description: 'A dataset moved to the trash comes back with `POST /datasets/{id}/restore`.',
      },
    },
  })
  @ApiErrorResponses(400, 404)
  deleteDataset(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: DeleteDatasetQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.trash.remove(ref, query.permanent, principal);
  }

  @Post(':id/restore')
  @Access('write')
  @ApiDatasetRefParam()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Restore a dataset from the trash',
    description:
      "The owner or an admin, until the dataset is purged: it comes back as it was, with its records. A dataset that is not in the trash is a 409 (a 404 for whoever may not read it); one in someone else's trash, a 404. Publishes `dataset.restored`.",
  })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 404, 409)
  restoreDataset(@Param('id', ParseDatasetRefPipe) ref: DatasetRef, @CurrentPrincipal() principal: Principal): Promise<DatasetResponseDto> {
    return this.trash.restore(ref, principal);
  }
}

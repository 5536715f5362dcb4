import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBulkBody, MAX_BULK_ITEMS, ParseBulkArrayPipe } from '../common/bulk/parse-bulk-array.pipe';
import { ApiDatasetRefParam } from '../common/swagger/api-params';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { DatasetsBulkService } from './datasets-bulk.service';
import { DatasetRef, DatasetsService } from './datasets.service';
import { BulkDatasetsResponseDto } from './dto/bulk-datasets-response.dto';
import { CreateDatasetDto } from './dto/create-dataset.dto';
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
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a dataset for a user' })
  @ApiCreatedResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 409, 413, 415, 422)
  createDataset(@Body() dto: CreateDatasetDto): Promise<DatasetResponseDto> {
    return this.datasetsService.create(dto);
  }

  @Post('bulk')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `Register up to ${MAX_BULK_ITEMS} datasets at once`,
    description:
      'Each item is stored or rejected on its own; the response reports every item in request order. Rejected items leave no trace.',
  })
  @ApiBulkBody(CreateDatasetDto)
  @ApiOkResponse({ type: BulkDatasetsResponseDto })
  @ApiErrorResponses(400, 413, 415)
  createDatasets(@Body(ParseBulkArrayPipe) items: unknown[]): Promise<BulkDatasetsResponseDto> {
    return this.bulk.createMany(items);
  }

  @Get()
  @ApiOperation({ summary: 'Search datasets', description: 'All filters combine with AND. Cursor-paged.' })
  @ApiOkResponse({ type: DatasetPageDto })
  @ApiErrorResponses(400)
  searchDatasets(@Query() query: SearchDatasetsQueryDto): Promise<DatasetPageDto> {
    return this.datasetsService.search(query);
  }

  @Get(':id')
  @ApiDatasetRefParam()
  @ApiOperation({ summary: 'Get a dataset by id or seq' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 404)
  getDataset(@Param('id', ParseDatasetRefPipe) ref: DatasetRef): Promise<DatasetResponseDto> {
    return this.datasetsService.findOne(ref);
  }

  @Patch(':id')
  @ApiDatasetRefParam()
  @ApiOperation({ summary: 'Change a dataset', description: 'A new `ownerId` transfers the dataset to that user.' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  updateDataset(@Param('id', ParseDatasetRefPipe) ref: DatasetRef, @Body() dto: UpdateDatasetDto): Promise<DatasetResponseDto> {
    return this.datasetsService.update(ref, dto);
  }

  @Delete(':id')
  @ApiDatasetRefParam()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a dataset' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrorResponses(400, 404)
  deleteDataset(@Param('id', ParseDatasetRefPipe) ref: DatasetRef): Promise<void> {
    return this.datasetsService.remove(ref);
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { DatasetResponseDto } from './dataset-response.dto';

export class BulkDatasetOutcomeDto {
  /** Position of the item in the request array. */
  index: number;

  @ApiProperty({ enum: ['created', 'rejected'] })
  status: 'created' | 'rejected';

  /** The registered dataset, when created. */
  item?: DatasetResponseDto;

  /** Why the item was not stored, when rejected. */
  error?: ErrorResponseDto;
}

export class BulkDatasetsResponseDto {
  /** @example 2 */
  created: number;

  /** @example 0 */
  rejected: number;

  /** One outcome per request item, in request order. */
  items: BulkDatasetOutcomeDto[];
}

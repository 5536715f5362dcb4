import { ApiProperty } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { UserResponseDto } from './user-response.dto';

export class BulkUserOutcomeDto {
  /** Position of the item in the request array. */
  index: number;

  @ApiProperty({ enum: ['created', 'rejected'] })
  status: 'created' | 'rejected';

  /** The registered user, when created. */
  item?: UserResponseDto;

  /** Why the item was not stored, when rejected: 400 invalid, 409 duplicate e-mail. */
  error?: ErrorResponseDto;
}

export class BulkUsersResponseDto {
  /** @example 4 */
  created: number;

  /** @example 0 */
  rejected: number;

  /** One outcome per request item, in request order. */
  items: BulkUserOutcomeDto[];
}

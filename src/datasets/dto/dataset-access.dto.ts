import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ACCESS_LEVELS, AccessLevel } from '../schemas/dataset.schema';

/** The access to give a user: `read`, or `write` (which includes read). */
export class GrantAccessDto {
  @ApiProperty({ enum: ACCESS_LEVELS, example: 'read' })
  @IsIn(ACCESS_LEVELS)
  level: AccessLevel;
}

export class DatasetGrantDto {
  /** @example '6650c0ffee0000000000a002' */
  userId: string;

  @ApiProperty({ enum: ACCESS_LEVELS, example: 'read' })
  level: AccessLevel;
}

/** Who may read or change a dataset besides its owner and the admins. */
export class DatasetAccessDto {
  /** @example '6650c0ffee0000000000d001' */
  datasetId: string;

  /** @example '6650c0ffee0000000000a001' */
  ownerId: string;

  @ApiProperty({ enum: ['private', 'internal'], example: 'private' })
  visibility: 'private' | 'internal';

  grants: DatasetGrantDto[];
}

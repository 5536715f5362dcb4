import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { queryBoolean } from '../../common/validation/transforms';

export class DeleteDatasetQueryDto {
  /**
   * `true`: purge the dataset at once, with its records — active or already in the trash; the owner
   * or an admin only. Otherwise the dataset moves to the trash.
   */
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'permanent must be true or false' })
  permanent: boolean = false;
}

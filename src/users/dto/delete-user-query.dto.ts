import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

export class DeleteUserQueryDto {
  /** Also purge every dataset the user owns, those in their trash included (otherwise a user who owns datasets is not deleted: 409). */
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'cascade must be true or false' })
  cascade: boolean = false;
}

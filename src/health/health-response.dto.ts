import { ApiProperty } from '@nestjs/swagger';

class DependencyStatusDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  status: 'up' | 'down';
}

class HealthDetailsDto {
  @ApiProperty({ type: DependencyStatusDto })
  mongodb: DependencyStatusDto;

  @ApiProperty({ type: DependencyStatusDto })
  kafka: DependencyStatusDto;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ type: HealthDetailsDto })
  info: HealthDetailsDto;

  @ApiProperty({ type: Object, example: {} })
  error: Record<string, never>;

  @ApiProperty({ type: HealthDetailsDto })
  details: HealthDetailsDto;
}

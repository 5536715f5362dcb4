import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class DependencyStatusDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  status: 'up' | 'down';
}

class KafkaStatusDto extends DependencyStatusDto {
  @ApiProperty({
    description:
      'How the service talks to the brokers: PLAINTEXT, SSL, SASL_PLAINTEXT/… or SASL_SSL/<mechanism>, "(mutual TLS)" with a client certificate',
    example: 'SASL_SSL/SCRAM-SHA-512',
  })
  security: string;
}

class ArchiveStatusDto extends DependencyStatusDto {
  @ApiProperty({ example: 's3://dataset-registry-archive at http://127.0.0.1:19000' })
  storage: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Messages on the topic not yet stored (null when Kafka does not answer)',
    example: 0,
  })
  lag: number | null;

  @ApiProperty({ description: 'Read by this instance, waiting for their object to be written', example: 12 })
  pendingEvents: number;

  @ApiProperty({ description: 'Objects this instance has written since it started', example: 40 })
  storedObjects: number;

  @ApiPropertyOptional({ example: '2026-12-01T18:00:05.000Z' })
  lastStoredAt?: string;
}

class ConsumerStatusDto extends DependencyStatusDto {
  @ApiProperty({ enum: ['starting', 'joined', 'rebalancing', 'stopped'], example: 'joined' })
  state: 'starting' | 'joined' | 'rebalancing' | 'stopped';

  @ApiProperty({ description: 'When it entered this state', example: '2026-12-04T12:00:00.000Z' })
  since: string;

  @ApiProperty({ type: [Number], description: 'Partitions of the topic this instance reads (while joined)', example: [0, 2] })
  partitions: number[];

  @ApiPropertyOptional({ description: 'Why it stopped, when it failed', example: 'Connection error: connect ECONNREFUSED' })
  message?: string;
}

class HealthDetailsDto {
  @ApiProperty({ type: DependencyStatusDto })
  mongodb: DependencyStatusDto;

  @ApiProperty({ type: KafkaStatusDto })
  kafka: KafkaStatusDto;

  @ApiPropertyOptional({ type: ArchiveStatusDto, description: 'Present when the archive is enabled (ARCHIVE_ENABLED=true)' })
  archive?: ArchiveStatusDto;
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

class ReadinessDetailsDto extends HealthDetailsDto {
  @ApiProperty({ type: ConsumerStatusDto, description: 'The audit consumer of this instance' })
  consumer: ConsumerStatusDto;
}

export class ReadinessResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ type: ReadinessDetailsDto })
  info: ReadinessDetailsDto;

  @ApiProperty({ type: Object, example: {} })
  error: Record<string, never>;

  @ApiProperty({ type: ReadinessDetailsDto })
  details: ReadinessDetailsDto;
}

export class LivenessResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ description: 'Seconds since this process started', example: 3600.5 })
  uptime: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsMongoId, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { EVENT_ENTITIES, EVENT_TYPES, EVENT_VERSION, EventActor, EventEntity, EventType } from '../contract';

/** The envelope of an event as published on the topic (see src/events/contract). Validates what is consumed. */
export class RegistryEventDto {
  /** @example '3f1c2a9e-8d6b-4c1e-9f43-2b8f1e0c7a55' */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  id: string;

  @ApiProperty({ enum: EVENT_TYPES, example: 'user.created' })
  @IsIn(EVENT_TYPES)
  type: EventType;

  @ApiProperty({ enum: [EVENT_VERSION], example: EVENT_VERSION })
  @IsIn([EVENT_VERSION], { message: `version must be ${EVENT_VERSION} (the only version this service reads)` })
  version: number;

  /** @example '2026-11-28T12:00:00.000Z' */
  @IsISO8601({ strict: true })
  occurredAt: string;

  @ApiProperty({ enum: EVENT_ENTITIES, example: 'user' })
  @IsIn(EVENT_ENTITIES)
  entity: EventEntity;

  /** @example '6650c0ffee0000000000a001' */
  @IsMongoId()
  entityId: string;

  /** @example '6650c0ffee0000000000a001' */
  @IsOptional()
  @IsMongoId()
  ownerId?: string;

  @ApiPropertyOptional({
    description:
      'Who made the change: a user (through an API token or an OIDC login) or the registry itself. Absent on events from before authentication.',
    oneOf: [
      {
        type: 'object',
        required: ['type', 'userId', 'via'],
        properties: {
          type: { type: 'string', enum: ['user'] },
          userId: { type: 'string' },
          via: { type: 'string', enum: ['api-token', 'oidc'] },
          tokenId: { type: 'string' },
        },
      },
      { type: 'object', required: ['type', 'name'], properties: { type: { type: 'string', enum: ['system'] }, name: { type: 'string' } } },
    ],
    example: { type: 'user', userId: '6650c0ffee0000000000a001', via: 'api-token', tokenId: '3f9a1c0e5b7d2468' },
  })
  @IsOptional()
  @IsObject()
  actor?: EventActor;

  /** @example 1 */
  @IsInt()
  @Min(1)
  sequence: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The new state, or what was removed.' })
  @IsObject()
  data: Record<string, unknown>;

  /** @example 'user_collection is getting updated; Aaron with id 6650c0ffee0000000000a001 is getting appended to user' */
  @IsString()
  @MaxLength(2000)
  meta_string: string;
}

/** A stored audit-log entry: the event and where it was read from. */
export class AuditEventDto extends RegistryEventDto {
  /** @example 'msg_collection' */
  topic: string;

  /** @example 0 */
  partition: number;

  /** @example '42' */
  offset: string;

  receivedAt: Date;
}

export class AuditEventPageDto {
  items: AuditEventDto[];

  /** Pass as `cursor` to get the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

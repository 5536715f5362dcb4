import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FilterQuery, Model } from 'mongoose';
import { isDuplicateKeyError } from '../../common/mongo/duplicate-key';
import { findPage } from '../../common/pagination/cursor';
import { parseDateTime } from '../../common/validation/date-time';
import { flattenValidationErrors, VALIDATION_OPTIONS } from '../../common/validation/validation.pipe';
import { RegistryEvent } from '../contract';
import { AuditEvent } from './audit-event.schema';
import { AuditEventDto, AuditEventPageDto, RegistryEventDto } from './registry-event.dto';
import { SearchEventsQueryDto } from './search-events-query.dto';

/** A message that can never become an event: retrying it cannot help. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** Reads the envelope out of a message value, or says what is wrong with it. */
export async function parseEvent(value: unknown): Promise<RegistryEvent> {
  let plain: unknown = value;
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    try {
      plain = JSON.parse(value.toString());
    } catch {
      throw new InvalidEventError('value is not JSON');
    }
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new InvalidEventError('value is not a JSON object');
  const errors = await validate(plainToInstance(RegistryEventDto, plain), { ...VALIDATION_OPTIONS, forbidNonWhitelisted: false });
  if (errors.length > 0) {
    const problems = flattenValidationErrors(errors).flatMap((detail) => detail.messages);
    throw new InvalidEventError(`not a registry event: ${problems.join('; ')}`);
  }
  return plain as RegistryEvent;
}

/** The audit log: every event consumed from the topic, stored once. */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  /** Stores the event unless it is already there (redelivery, or a duplicate publish). */
  async record(event: RegistryEvent, position: MessagePosition): Promise<'stored' | 'duplicate'> {
    const entry: AuditEvent = {
      _id: event.id,
      type: event.type,
      version: event.version,
      occurredAt: new Date(event.occurredAt),
      entity: event.entity,
      entityId: event.entityId,
      sequence: event.sequence,
      data: event.data as unknown as Record<string, unknown>,
      meta_string: event.meta_string,
      ...position,
      receivedAt: new Date(),
    };
    if (event.ownerId !== undefined) entry.ownerId = event.ownerId;
    try {
      await this.events.collection.insertOne(entry as never);
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
    this.logger.log(
      { eventId: event.id, type: event.type, entityId: event.entityId, sequence: event.sequence, ...position },
      event.meta_string,
    );
    return 'stored';
  }

  async search(query: SearchEventsQueryDto): Promise<AuditEventPageDto> {
    const filters: FilterQuery<AuditEvent>[] = [];
    if (query.type) filters.push({ type: query.type });
    if (query.entity) filters.push({ entity: query.entity });
    if (query.entityId) filters.push({ entityId: query.entityId });
    if (query.ownerId) filters.push({ ownerId: query.ownerId });
    if (query.from || query.to) {
      const occurredAt: Record<string, Date> = {};
      if (query.from) occurredAt.$gte = new Date(parseDateTime(query.from));
      if (query.to) occurredAt.$lt = new Date(parseDateTime(query.to));
      filters.push({ occurredAt });
    }
    const page = await findPage(this.events, filters.length > 0 ? filters : [{}], 'occurredAt', query);
    return { items: page.rows.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}

export function toAuditEventDto(entry: AuditEvent): AuditEventDto {
  const dto: AuditEventDto = {
    id: entry._id,
    type: entry.type,
    version: entry.version,
    occurredAt: entry.occurredAt.toISOString(),
    entity: entry.entity,
    entityId: entry.entityId,
    sequence: entry.sequence,
    data: entry.data,
    meta_string: entry.meta_string,
    topic: entry.topic,
    partition: entry.partition,
    offset: entry.offset,
    receivedAt: entry.receivedAt,
  };
  if (entry.ownerId !== undefined) dto.ownerId = entry.ownerId;
  return dto;
}

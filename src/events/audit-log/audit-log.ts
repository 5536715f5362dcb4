import { Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { bsonCopy, fromBsonCopy } from '../../common/mongo/bson-copy';
import { flattenValidationErrors, VALIDATION_OPTIONS } from '../../common/validation/validation.pipe';
import { MessageTrace } from '../../telemetry/trace-context';
import { RegistryEvent } from '../contract';
import { AuditEntryCopy, AuditEvent } from './audit-event.schema';
import { AuditEventsRepository } from './audit-events.repository';
import { EventScope } from './event-scope';
import { AuditEventDto, AuditEventPageDto, RegistryEventDto } from './registry-event.dto';
import { quickRegistryEvent } from './registry-event-quick-check';
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
  // Most events plainly keep the contract: the full validator (and its wording of a refusal) only for the others.
  const quick = quickRegistryEvent(plain);
  if (quick) return quick;
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

  constructor(private readonly events: AuditEventsRepository) {}

  /** Stores the event unless it is already there (redelivery, or a duplicate publish). */
  async record(event: RegistryEvent, position: MessagePosition): Promise<'stored' | 'duplicate'> {
    if (!(await this.events.insert(toEntry(event, position)))) return 'duplicate';
    this.logStored(event, position);
    return 'stored';
  }

  /**
   * Stores many events in one bulk write, each once: an event already in the
   * log, or twice in `items`, is a duplicate. Returns the positions in `items`
   * the store refused for another reason (with why); throws when the write as
   * a whole failed.
   */
  async recordMany(
    items: readonly { event: RegistryEvent; position: MessagePosition; trace?: MessageTrace }[],
  ): Promise<Map<number, Error>> {
    const firstOf = new Map<string, number>();
    items.forEach(({ event }, i) => firstOf.has(event.id) || firstOf.set(event.id, i));
    const unique = [...firstOf.values()];
    const outcome = await this.events.insertMany(unique.map((i) => toEntry(items[i].event, items[i].position)));
    const failed = new Map<number, Error>();
    unique.forEach((i, at) => {
      const error = outcome.failed.get(at);
      if (error) failed.set(i, error);
      else if (!outcome.duplicates.has(at)) inTrace(items[i].trace, () => this.logStored(items[i].event, items[i].position));
    });
    return failed;
  }

  private logStored(event: RegistryEvent, position: MessagePosition): void {
    this.logger.log(
      { eventId: event.id, type: event.type, entityId: event.entityId, sequence: event.sequence, ...position },
      event.meta_string,
    );
  }

  /** One page of the log; with a `scope`, only the entries it lets its user see (see EventScope). */
  async search(query: SearchEventsQueryDto, scope?: EventScope): Promise<AuditEventPageDto> {
    const page = await this.events.search(query, scope);
    return { items: page.rows.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}

/** Runs `work` in the message's trace, when there is one (its log line then carries the trace). */
function inTrace(trace: MessageTrace | undefined, work: () => void): void {
  if (trace) trace.run(work);
  else work();
}

function toEntry(event: RegistryEvent, position: MessagePosition): AuditEvent {
  // Built field by field, so the same event read at the same position (a replay's) is stored as the same bytes.
  const rest: AuditEntryCopy = {
    version: event.version,
    data: event.data as unknown as Record<string, unknown>,
    meta_string: event.meta_string,
    topic: position.topic,
    partition: position.partition,
    offset: position.offset,
  };
  const entry: AuditEvent = {
    _id: event.id,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
    entity: event.entity,
    entityId: event.entityId,
    sequence: event.sequence,
    receivedAt: new Date(),
  };
  if (event.ownerId !== undefined) entry.ownerId = event.ownerId;
  if (event.actor !== undefined) {
    rest.actor = event.actor;
    if (event.actor.type === 'user') entry.actorId = event.actor.userId;
  }
  entry.copy = bsonCopy(rest);
  return entry;
}

export function toAuditEventDto(entry: AuditEvent): AuditEventDto {
  const { version, data, meta_string, actor, topic, partition, offset } = entry.copy
    ? fromBsonCopy<AuditEntryCopy>(entry.copy)
    : earlierCopy(entry);
  const dto: AuditEventDto = {
    id: entry._id,
    type: entry.type,
    version,
    occurredAt: entry.occurredAt.toISOString(),
    entity: entry.entity,
    entityId: entry.entityId,
    sequence: entry.sequence,
    data,
    meta_string,
    topic,
    partition,
    offset,
    receivedAt: entry.receivedAt,
  };
  if (entry.ownerId !== undefined) dto.ownerId = entry.ownerId;
  if (actor !== undefined) dto.actor = actor;
  return dto;
}

/** An earlier version's entry, its fields each on its own (the data as its own binary value, or older still a subdocument). */
function earlierCopy(entry: AuditEvent): AuditEntryCopy {
  const copy = {
    version: entry.version,
    data: entry.dataCopy ? fromBsonCopy<Record<string, unknown>>(entry.dataCopy) : (entry.data ?? {}),
    meta_string: entry.meta_string,
    topic: entry.topic,
    partition: entry.partition,
    offset: entry.offset,
  } as AuditEntryCopy;
  if (entry.actor !== undefined) copy.actor = entry.actor;
  return copy;
}

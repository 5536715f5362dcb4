import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model } from 'mongoose';
import { isDuplicateKeyError } from '../../common/mongo/duplicate-key';
import { insertUnique } from '../../common/mongo/unique-inserts';
import { findPage } from '../../common/pagination/cursor';
import { parseDateTime } from '../../common/validation/date-time';
import { AuditEvent } from './audit-event.schema';
import { EventScope } from './event-scope';
import { SearchEventsQueryDto } from './search-events-query.dto';

/** The one place that touches the audit log's `events` collection. */
@Injectable()
export class AuditEventsRepository {
  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  /** Stores an entry under its event id; false when it is there already (a redelivery or a duplicate publish). */
  insert(entry: AuditEvent): Promise<boolean> {
    return insertUnique(this.events, entry);
  }

  /**
   * Stores entries in one unordered bulk insert under their event ids: those
   * already there are `duplicates`, those refused otherwise `failed` (by
   * position); the rest are stored. Throws when the insert failed as a whole.
   */
  async insertMany(entries: readonly AuditEvent[]): Promise<{ duplicates: Set<number>; failed: Map<number, Error> }> {
    const duplicates = new Set<number>();
    const failed = new Map<number, Error>();
    if (entries.length === 0) return { duplicates, failed };
    try {
      await this.events.collection.insertMany(entries as never[], { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
      if (!Array.isArray(writeErrors)) throw error;
      for (const { index, code, errmsg } of writeErrors as { index: number; code?: number; errmsg?: string }[]) {
        if (isDuplicateKeyError({ code, message: errmsg })) duplicates.add(index);
        else failed.set(index, new Error(errmsg ?? `write error ${code}`));
      }
    }
    return { duplicates, failed };
  }

  /** One page of entries matching every filter given (and within `scope`, when given), by `occurredAt`. */
  search(query: SearchEventsQueryDto, scope?: EventScope): Promise<{ rows: AuditEvent[]; nextCursor: string | null }> {
    const filters: FilterQuery<AuditEvent>[] = scope ? [scopeFilter(scope)] : [];
    if (query.actorId) filters.push({ actorId: query.actorId });
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
    return findPage(this.events, filters.length > 0 ? filters : [{}], 'occurredAt', query);
  }
}

function scopeFilter({ userId, readableDatasetIds }: EventScope): FilterQuery<AuditEvent> {
  return {
    $or: [
      { entity: 'user', entityId: userId },
      { actorId: userId },
      { ownerId: userId },
      ...(readableDatasetIds.length > 0 ? [{ entity: 'dataset', entityId: { $in: [...readableDatasetIds] } }] : []),
    ],
  };
}

import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actsAsAdmin, Principal } from '../access/principal';
import { DatasetsService } from '../datasets/datasets.service';
import { RegistryEvent } from '../events/contract';
import type { EventScope } from '../events/audit-log/event-scope';

/** How long a live feed trusts what it learnt about a dataset's readability. */
const READABILITY_TTL_MS = 5_000;

/**
 * Which events a caller may see: admins all of them; anyone else the events
 * about themselves, the changes they made, and the events of datasets they
 * owned at the time or may read now (see EventScope).
 */
@Injectable()
export class EventVisibility {
  constructor(private readonly datasets: DatasetsService) {}

  /** The audit-log query scope of `principal` (none for an admin). */
  async scopeOf(principal: Principal): Promise<EventScope | undefined> {
    if (actsAsAdmin(principal) && !principal.datasetIds) return undefined;
    return { userId: principal.userId.toHexString(), readableDatasetIds: await this.datasets.readableIds(principal) };
  }

  /** A predicate for a live feed: whether `principal` may see an event, dataset readability cached briefly. */
  filterFor(principal: Principal): (event: RegistryEvent) => Promise<boolean> {
    if (actsAsAdmin(principal) && !principal.datasetIds) return () => Promise.resolve(true);
    const me = principal.userId.toHexString();
    const readable = new Map<string, { visible: boolean; until: number }>();
    return async (event) => {
      if (event.entity === 'user') return event.entityId === me;
      if ((event.actor?.type === 'user' && event.actor.userId === me) || event.ownerId === me) return true;
      const cached = readable.get(event.entityId);
      if (cached && cached.until > Date.now()) return cached.visible;
      const visible =
        Types.ObjectId.isValid(event.entityId) && (await this.datasets.mayReadById(new Types.ObjectId(event.entityId), principal));
      readable.set(event.entityId, { visible, until: Date.now() + READABILITY_TTL_MS });
      return visible;
    };
  }
}

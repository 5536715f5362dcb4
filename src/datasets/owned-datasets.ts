import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { OwnerEntry, OwnerIndex } from '../ownership/owner-index';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { Dataset } from './schemas/dataset.schema';
import { Principal } from '../access/principal';
import { EventActor } from '../events/contract';
import { mayRead, readsEveryDatasetOf, withinTokenLimit } from './dataset-access';

/**
 * The user side of the user → datasets mapping (used by UsersService). The
 * mapping's one source of truth is `Dataset.ownerId`; the owner index says
 * where to look, and which entries need no look (its confirmed ones).
 */
@Injectable()
export class OwnedDatasets {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly ownerIndex: OwnerIndex,
    private readonly datasetsService: DatasetsService,
  ) {}

  /**
   * The ids of each user's active datasets that `viewer` may read, by number: the owner index's confirmed
   * entries as they are for a viewer who may read all of them (an admin, the owner), the other entries'
   * datasets read and checked (active, the user's, readable) — for any other viewer, all of them, as
   * whether they may read one depends on the dataset. Why: docs/architecture.md#the-owner-index.
   */
  async idsOwnedBy(ownerIds: readonly Types.ObjectId[], viewer: Principal): Promise<Map<string, Types.ObjectId[]>> {
    const lists = await this.ownerIndex.entries(ownerIds);
    const byOwner = new Map<string, Types.ObjectId[]>();
    for (const ownerId of ownerIds) {
      const entries = lists.get(ownerId.toHexString()) ?? [];
      const trusting = readsEveryDatasetOf(viewer, ownerId);
      const trusted = entries.filter(
        (entry): entry is OwnerEntry & { seq: number } => trusting && entry.confirmed && entry.seq !== undefined,
      );
      const trustedSet = new Set<OwnerEntry>(trusted);
      const toRead = entries.filter((entry) => !trustedSet.has(entry)).map(({ _id }) => _id);
      const read = (await this.datasets.fetchEach(toRead)).filter(
        (dataset) => dataset.state === 'active' && dataset.ownerId.equals(ownerId) && mayRead(viewer, dataset),
      );
      const owned = [...trusted.filter((entry) => withinTokenLimit(viewer, entry)), ...read];
      byOwner.set(
        ownerId.toHexString(),
        owned.sort((a, b) => a.seq - b.seq).map(({ _id }) => _id),
      );
    }
    return byOwner;
  }

  /**
   * Datasets that keep a user from being deleted: owned (pending and trashed
   * ones too) or being transferred to them; `trashed` counts those in the trash.
   */
  async countHeldBy(ownerId: Types.ObjectId): Promise<{ total: number; trashed: number }> {
    const held = await this.heldBy(ownerId);
    return { total: held.length, trashed: held.filter((dataset) => dataset.state === 'trashed' && dataset.ownerId.equals(ownerId)).length };
  }

  /**
   * Cascade of a user deletion, run while the user is locked for deletion (so
   * nothing new can reach the user): purges every dataset it owns, those in
   * its trash included, and cancels transfers to it. `progress` is called after each dataset.
   */
  async removeAllOwnedBy(ownerId: Types.ObjectId, actor: EventActor, progress: () => Promise<void>): Promise<void> {
    for (;;) {
      const held = await this.heldBy(ownerId);
      if (held.length === 0) return;
      for (const { _id, seq, state } of held) {
        if (state === 'pending') {
          // A create in flight, which nobody else changes: removing it makes that create fail cleanly.
          await this.datasets.removePending({ _id, seq });
        } else {
          await this.datasetsService.releaseFrom(_id, ownerId, actor);
        }
        await progress();
      }
    }
  }

  /** Read holding the user's list: a create in flight has either listed and inserted its dataset by then, or not checked its owner yet. */
  private async heldBy(ownerId: Types.ObjectId): Promise<Dataset[]> {
    const candidates = await this.ownerIndex.candidatesHeld(ownerId);
    return (await this.datasets.fetchEach(candidates)).filter(
      (dataset) => (dataset.state !== 'deleted' && dataset.ownerId.equals(ownerId)) || dataset.transferTo?.equals(ownerId),
    );
  }
}

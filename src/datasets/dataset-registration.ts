import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { DomainError, LockBusyError } from '../common/errors/domain-errors';
import { Outbox } from '../events/outbox/outbox';
import { DatasetOwners, OwnerAvailability, ownerUnavailable } from '../ownership/dataset-owners';
import { HeldLists, OwnerIndex } from '../ownership/owner-index';
import { currentOrigin, EventOrigin } from '../telemetry/trace-context';
import { datasetCreated, newDataset, uniqueIds } from './dataset-rules';
import { DatasetSequence } from './dataset-sequence';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { Dataset } from './schemas/dataset.schema';

/** A dataset to register: its validated body and its owner (the caller's right to name it was checked). */
export interface Registration {
  dto: CreateDatasetDto;
  ownerId: Types.ObjectId;
}

/** A registration with who asks for it and the request it comes from (several requests' registrations may run together). */
interface Request extends Registration {
  principal: Principal;
  origin?: EventOrigin;
}

type Result = Dataset | DomainError | undefined;

/** How long a registration waits for its owner's list, as a lock's taker does (EntityLocks). */
const LIST_WAIT_MS = 10_000;
/** Single creates run together at most (each owner's list is edited on its own, a few at once). */
const RUN_TOGETHER = 100;

/**
 * The one create protocol, for `POST /datasets` and `POST /datasets/bulk`. Holding all the owners' lists at once: owners
 * checked, numbers reserved for those available, listed as new under their owners, inserted active with `dataset.created`,
 * confirmed in the lists, the outbox marker (why this order: docs/outbox.md#ownership-writes). Single creates that arrive while
 * one runs run together next.
 */
@Injectable()
export class DatasetRegistration {
  private waiting: { request: Request; resolve: (result: Dataset | DomainError) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly owners: DatasetOwners,
    private readonly sequence: DatasetSequence,
    private readonly ownerIndex: OwnerIndex,
    private readonly outbox: Outbox,
    private readonly trash: DatasetTrashService,
  ) {}

  /**
   * One registration (`POST /datasets`): run at once when none is under way, else with the others that came meanwhile, in one
   * run of the protocol (one batch of locks, one insert, one marker write for all).
   */
  registerOne(registration: Registration, principal: Principal): Promise<Dataset | DomainError> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request: { ...registration, principal, origin: currentOrigin() }, resolve, reject });
      if (!this.running) void this.runWaiting();
    });
  }

  /** Each registration's dataset, active now, or the client error that refused it; in the order given. */
  async register(registrations: readonly Registration[], principal: Principal): Promise<(Dataset | DomainError)[]> {
    return this.run(registrations.map((registration) => ({ ...registration, principal })));
  }

  private async runWaiting(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, RUN_TOGETHER);
      try {
        const results = await this.run(batch.map(({ request }) => request));
        batch.forEach(({ resolve }, i) => resolve(results[i]));
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    this.running = false;
  }

  /** One run of the protocol: seconds for a bulk call on a busy store, so the relay's clear of sent events waits for it. */
  private run(requests: readonly Request[]): Promise<(Dataset | DomainError)[]> {
    return this.outbox.writing(() => this.runHolding(requests));
  }

  /**
   * Runs the protocol over the lists free now, then again, after a short wait, for the registrations whose list was busy: a run
   * never waits for a list while holding others, so two runs over the same owners cannot hold each other up.
   */
  private async runHolding(requests: readonly Request[]): Promise<(Dataset | DomainError)[]> {
    const results: Result[] = requests.map(() => undefined);
    const owners = uniqueIds(requests.map(({ ownerId }) => ownerId.toHexString()));
    let numbers: Promise<ReadonlyMap<number, number>> | undefined;
    if (owners.length === 1) {
      // One owner (a single create): a first look, so the numbers are claimed while its list is taken (a round trip fewer in a
      // row). More owners (a bulk call): each is read once, by the check holding the lists, and numbered after it.
      const before = await this.owners.availability(owners, { guard: false });
      refuseUnavailable(requests, requests.keys(), before, results);
      if (results.every((result) => result !== undefined)) return results;
      numbers = this.number(unresolved(results));
    }
    // An owner that cannot receive datasets now is refused before numbers are reserved, so it takes none. Consecutive numbers,
    // in the order given, whatever run each gets in.
    const numbered = (): Promise<ReadonlyMap<number, number>> => (numbers ??= this.number(unresolved(results)));
    const giveUpAt = Date.now() + LIST_WAIT_MS;
    let left = unresolved(results);
    for (let attempt = 0; left.length > 0; attempt++) {
      if (attempt > 0) await pause(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
      const busy = await this.once(left, requests, numbered, results);
      if (busy.length > 0 && Date.now() >= giveUpAt) {
        for (const index of busy) {
          const owner = requests[index].ownerId.toHexString();
          results[index] = new LockBusyError(`the dataset list of user ${owner} is busy with another change; retry`);
        }
        break;
      }
      left = busy;
    }
    return results as (Dataset | DomainError)[];
  }

  /** Reserves consecutive numbers for the registrations at `indexes`, in their order. */
  private number(indexes: readonly number[]): Promise<ReadonlyMap<number, number>> {
    const numbers = this.sequence.reserve(indexes.length).then((first) => new Map(indexes.map((index, i) => [index, first + i])));
    // Awaited holding the lists, before anything is listed; a run that lists nothing leaves a failed claim unread.
    numbers.catch(() => undefined);
    return numbers;
  }

  /**
   * One run over the registrations at `indexes`, holding the free lists of all their owners at once (one lock insert, one insert
   * per collection); returns those whose list was busy. `numbered` gives their numbers, claimed by the first run to need them.
   */
  private async once(
    indexes: readonly number[],
    requests: readonly Request[],
    numbered: () => Promise<ReadonlyMap<number, number>>,
    results: Result[],
  ): Promise<number[]> {
    const ownerIds = uniqueIds(indexes.map((index) => requests[index].ownerId.toHexString()));
    return this.ownerIndex.creating(ownerIds, async (lists) => {
      const busy = indexes.filter((index) => !lists.holds(requests[index].ownerId));
      const candidates = await this.available(
        indexes.filter((index) => lists.holds(requests[index].ownerId)),
        requests,
        lists,
        results,
      );
      if (candidates.length === 0) return busy;
      const numbers = await numbered();
      const fresh = candidates.map((index) => ({
        index,
        doc: newDataset(requests[index].dto, numbers.get(index) as number, requests[index].ownerId),
      }));
      // Before the insert, side by side: the listing and the seq keys (a dataset never lacks either). After it, side by side:
      // the lists' confirmation, the markers, and the removal of the keys of datasets the store refused.
      let keysAndConfirmations: Promise<unknown> = Promise.resolve();
      try {
        // Each `dataset.created` is inserted with its dataset, and tracked (marked) once the insert is done.
        await this.outbox.recordChanges(
          fresh.map(({ index, doc }) => ({ ...datasetCreated(doc, actorOf(requests[index].principal)), origin: requests[index].origin })),
          async (events) => {
            fresh.forEach(({ doc }, i) => doc.outbox.push(events[i]));
            const all = fresh.map(({ doc }) => doc);
            await Promise.all([lists.listNew(all), this.datasets.insertSeqKeys(all)]);
            const inserted = await this.insert(fresh, requests, results);
            const docs = inserted.map(({ doc }) => doc);
            const kept = new Set(docs);
            const refused = all.filter((doc) => !kept.has(doc));
            keysAndConfirmations = Promise.all([this.datasets.removeSeqKeys(refused), lists.confirmNew(docs)]);
            for (const { index, doc } of inserted) results[index] = doc;
            return docs;
          },
        );
      } finally {
        // The lists stay held until their confirmation is written, whatever the marker write did.
        await Promise.allSettled([keysAndConfirmations]);
      }
      await keysAndConfirmations;
      return busy;
    });
  }

  /**
   * Of `indexes` (their lists held), those whose owner may receive datasets, checked holding the lists (so a deletion that has not
   * read a list yet will see what is listed); the others get their refusal.
   */
  private async available(
    indexes: readonly number[],
    requests: readonly Request[],
    lists: HeldLists,
    results: Result[],
  ): Promise<number[]> {
    const availability: Map<string, OwnerAvailability> =
      lists.owners.length > 0 ? await this.owners.availability(lists.owners) : new Map<string, OwnerAvailability>();
    refuseUnavailable(requests, indexes, availability, results);
    return indexes.filter((index) => results[index] === undefined);
  }

  /** Inserts the new datasets (one insert for one, an unordered batch for many); a taken name is refused. */
  private async insert(
    fresh: { index: number; doc: Dataset }[],
    requests: readonly Request[],
    results: Result[],
  ): Promise<{ index: number; doc: Dataset }[]> {
    const taken = await this.datasets.insertDatasets(fresh.map(({ doc }) => doc));
    for (const position of taken) {
      const { index, doc } = fresh[position];
      results[index] = await this.trash.nameTaken(doc.ownerId, doc.name, requests[index].principal);
    }
    return fresh.filter((_, position) => !taken.has(position));
  }
}

/** Refuses the registrations at `indexes` whose owner is not available. */
function refuseUnavailable(
  requests: readonly Request[],
  indexes: Iterable<number>,
  availability: ReadonlyMap<string, OwnerAvailability>,
  results: Result[],
): void {
  for (const index of indexes) {
    const { ownerId } = requests[index];
    const owner = availability.get(ownerId.toHexString()) ?? 'missing';
    if (owner !== 'available') results[index] = ownerUnavailable(ownerId, owner);
  }
}

/** The registrations not decided yet, in order. */
function unresolved(results: readonly Result[]): number[] {
  return results.flatMap((result, index) => (result === undefined ? [index] : []));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

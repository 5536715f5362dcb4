import { Types } from 'mongoose';
import { parseEntityKey } from './entity-key';
import type { OutboxEvent } from './event-factory';
import type { WaitingMarker } from './outbox-markers.repository';
import type { OutboxSentRepository } from './outbox-sent.repository';
import type { WaitingEvents } from './outbox-source';
import type { OutboxSources } from './outbox-sources';

/** What one batch of the relay sends, in order per entity, and the markers it removes once that is recorded. */
export interface RelayPlan {
  events: OutboxEvent[];
  markerIds: string[];
}

/** The markers of one entity in a batch: its events as copied, and whether it is marked whole (its outbox to be read). */
interface Marked {
  key: string;
  markerIds: string[];
  copies: OutboxEvent[];
  whole: boolean;
  /** Every marker written after the write that committed the entity: nothing of it is held back. */
  committed: boolean;
}

/**
 * Markers grouped by entity, in the order of each entity's oldest marker, cut into batches of about
 * `size` events; all of an entity's markers stay in one batch, so its events go out in order, and so do
 * all the events of a batch marker (with their entities' other markers), which is removed once for all.
 */
export function batchesOf(markers: readonly WaitingMarker[], size: number): WaitingMarker[][] {
  // Each entity and each batch marker is a node; a marker joins its entity's with its batch's.
  const parent = new Map<string, string>();
  const root = (node: string): string => {
    let top = node;
    while (parent.has(top) && parent.get(top) !== top) top = parent.get(top) as string;
    parent.set(node, top);
    return top;
  };
  for (const { key, markerId } of markers) {
    const entity = root(`entity ${key}`);
    if (markerId !== undefined) parent.set(root(`batch ${markerId}`), entity);
  }
  const units = new Map<string, WaitingMarker[]>();
  for (const marker of markers) {
    const unit = root(`entity ${marker.key}`);
    units.set(unit, [...(units.get(unit) ?? []), marker]);
  }
  const batches: WaitingMarker[][] = [];
  let batch: WaitingMarker[] = [];
  for (const group of units.values()) {
    if (batch.length > 0 && batch.length + group.length > size) {
      batches.push(batch);
      batch = [];
    }
    batch.push(...group);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Decides what a batch sends. An entity whose one marker copies its `*.created` event goes out from
 * the copy when nothing of it is held back — its source never holds events back, or its writer marked it
 * after the write that committed it (a dataset inserted active) — and nothing of it can come before a
 * creation. Any other entity's outbox is read first, so that an earlier
 * event a crash left unmarked goes out before the later ones, unless it was sent already (see
 * docs/outbox.md#crash-rules); a pending entity waits, a gone one just loses its markers.
 */
export async function planBatch(
  markers: readonly WaitingMarker[],
  sources: OutboxSources,
  sent: OutboxSentRepository,
  /** Events sent whose record is still being written: sent already, as if recorded. */
  beingRecorded: ReadonlySet<string> = new Set(),
): Promise<RelayPlan> {
  const plan: RelayPlan = { events: [], markerIds: [] };
  const groups = grouped(markers);
  const toRead: Marked[] = [];
  for (const group of groups) {
    const source = sources.get(parseEntityKey(group.key)?.entity);
    if (!source) plan.markerIds.push(...group.markerIds);
    else if (
      (!source.holdsBack || group.committed) &&
      !group.whole &&
      group.copies.length === 1 &&
      group.copies[0].type.endsWith('.created')
    ) {
      plan.events.push(group.copies[0]);
      plan.markerIds.push(...group.markerIds);
    } else toRead.push(group);
  }
  const outboxes = await readOutboxes(toRead, sources);
  const earlier = toRead.flatMap((group) => unmarkedBefore(group, outboxes.get(group.key)));
  const alreadySent = await sent.sentAmong(earlier.map((event) => event.id).filter((id) => !beingRecorded.has(id)));
  for (const event of earlier) if (beingRecorded.has(event.id)) alreadySent.add(event.id);
  // A held entity keeps its markers, and so a batch marker that marks it keeps the others' too (they go out again).
  const kept = new Set<string>();
  for (const group of toRead) {
    const outbox = outboxes.get(group.key);
    if (outbox?.held) {
      for (const id of group.markerIds) kept.add(id);
      continue;
    }
    plan.markerIds.push(...group.markerIds);
    if (!outbox) continue;
    const events = inOrder(group, outbox.events, alreadySent);
    plan.events.push(...events);
    // An earlier event sent now may have a marker this round did not read: it goes with the others.
    const marked = new Set([...group.markerIds, ...group.copies.map((event) => event.id)]);
    plan.markerIds.push(...events.filter((event) => !marked.has(event.id)).map((event) => event.id));
  }
  if (kept.size > 0) plan.markerIds = plan.markerIds.filter((id) => !kept.has(id));
  return plan;
}

function grouped(markers: readonly WaitingMarker[]): Marked[] {
  const groups = new Map<string, Marked>();
  for (const { id, key, event, committed, markerId } of markers) {
    const group = groups.get(key) ?? { key, markerIds: [], copies: [], whole: false, committed: true };
    group.markerIds.push(markerId ?? id);
    if (event) group.copies.push(event);
    else group.whole = true;
    group.committed &&= committed === true;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The outboxes of these entities, by key: one bare `_id` read each, through their sources. */
async function readOutboxes(groups: readonly Marked[], sources: OutboxSources): Promise<Map<string, WaitingEvents>> {
  const found = new Map<string, WaitingEvents>();
  for (const [entity, source] of sources.entries()) {
    const ids = groups.map(({ key }) => parseEntityKey(key)).filter((parsed) => parsed?.entity === entity);
    if (ids.length === 0) continue;
    const waiting = await source.waitingEvents(ids.map((parsed) => (parsed as { id: Types.ObjectId }).id));
    for (const [hex, events] of waiting) found.set(`${entity}:${hex}`, events);
  }
  return found;
}

/** The outbox's events up to the last one copied in the group (all of them when marked whole). */
function upToLastCopy(group: Marked, outbox: readonly OutboxEvent[]): OutboxEvent[] {
  if (group.whole) return [...outbox];
  const copied = new Set(group.copies.map((event) => event.id));
  let end = 0;
  outbox.forEach((event, i) => {
    if (copied.has(event.id)) end = i + 1;
  });
  return outbox.slice(0, end);
}

/** Events in the outbox before the group's last copy that the group does not copy: sent already, or left unmarked by a crash. */
function unmarkedBefore(group: Marked, outbox: WaitingEvents | undefined): OutboxEvent[] {
  if (!outbox || outbox.held) return [];
  const copied = new Set(group.copies.map((event) => event.id));
  return upToLastCopy(group, outbox.events).filter((event) => !copied.has(event.id));
}

/**
 * One entity's events to send, in the order it wrote them: copies already cleared from the outbox
 * (sent before, sent again after a crash) first, then the outbox's up to the last copy, but for the
 * ones sent already.
 */
function inOrder(group: Marked, outbox: readonly OutboxEvent[], alreadySent: ReadonlySet<string>): OutboxEvent[] {
  const inOutbox = new Set(outbox.map((event) => event.id));
  const copied = new Set(group.copies.map((event) => event.id));
  const cleared = group.copies.filter((event) => !inOutbox.has(event.id)).sort((a, b) => a.sequence - b.sequence);
  const waiting = upToLastCopy(group, outbox).filter((event) => copied.has(event.id) || !alreadySent.has(event.id));
  return [...cleared, ...waiting];
}

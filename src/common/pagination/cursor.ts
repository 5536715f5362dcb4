import { FilterQuery, Model, ProjectionType, Types } from 'mongoose';
import { InvalidInputError } from '../errors/domain-errors';
import { fieldDetails } from '../errors/field-error';
import { isObjectIdHex } from '../validation/text';

export type SortOrder = 'asc' | 'desc';
type SortValue = string | number | Date;
/** Documents are ordered by their `_id` among equal sort values: an ObjectId or a string. */
type DocumentId = Types.ObjectId | string;

export interface PageRequest {
  limit: number;
  order: SortOrder;
  cursor?: string;
}

/** One page of `model` matching all `filters`, ordered by `field` then `_id`. */
export async function findPage<T extends { _id: DocumentId }>(
  model: Model<T>,
  filters: FilterQuery<T>[],
  field: keyof T & string,
  { limit, order, cursor }: PageRequest,
  projection?: ProjectionType<T>,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  const scope = model.collection.name;
  const conditions = cursor ? [...filters, afterCursor(cursor, scope, field, order)] : filters;
  const query = projection ? model.find({ $and: conditions }, projection) : model.find({ $and: conditions });
  const rows = await query
    .sort(sortSpec(field, order))
    .limit(limit + 1)
    .lean<T[]>()
    .exec();
  return pageOf(rows, limit, scope, field, order, (row) => row[field] as SortValue);
}

interface CursorPayload {
  /** what was listed (a collection): a cursor of one list is refused by another */
  c: string;
  /** sort field */
  s: string;
  /** order */
  o: SortOrder;
  /** sort value of the last item, tagged with its type */
  v: string | number;
  t: 'string' | 'number' | 'date';
  /** _id of the last item: the tie-breaker that makes the order total */
  i: string;
  /** whether that _id is an ObjectId (absent) or a string ('s') */
  k?: 's';
}

/**
 * Keyset pagination: a page continues after (sort value, _id) of the last
 * item, so concurrent inserts and deletes never shift, skip or repeat items
 * the way offsets do. The cursor is opaque to clients (base64url JSON).
 */
function encodeCursor(scope: string, sort: string, order: SortOrder, value: SortValue, id: DocumentId): string {
  const payload: CursorPayload =
    value instanceof Date
      ? { c: scope, s: sort, o: order, v: value.toISOString(), t: 'date', i: '' }
      : { c: scope, s: sort, o: order, v: value, t: typeof value === 'number' ? 'number' : 'string', i: '' };
  if (typeof id === 'string') Object.assign(payload, { i: id, k: 's' });
  else payload.i = id.toHexString();
  return encodeCursorPayload(payload);
}

/** A cursor's wire form: its payload as base64url JSON (opaque to clients). */
export function encodeCursorPayload(payload: object): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The payload of a cursor, unchecked; one that is not base64url JSON is a 400. */
export function decodeCursorPayload(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw invalidCursor('cursor is not one this service issued');
  }
}

/** The filter selecting what comes after the cursor; a malformed or mismatched cursor is a 400. */
export function afterCursor(cursor: string, scope: string, sort: string, order: SortOrder): Record<string, unknown> {
  const payload = decodeCursor(cursor);
  if (payload.c !== scope) throw invalidCursor('cursor was issued for another list; start again without it');
  if (payload.s !== sort || payload.o !== order) {
    throw invalidCursor('cursor was issued for another sort or order; start again without it');
  }
  const value = payload.t === 'date' ? new Date(payload.v) : payload.v;
  const id = payload.k === 's' ? payload.i : new Types.ObjectId(payload.i);
  const beyond = order === 'asc' ? '$gt' : '$lt';
  return { $or: [{ [sort]: { [beyond]: value } }, { [sort]: value, _id: { [beyond]: id } }] };
}

export function sortSpec(sort: string, order: SortOrder): Record<string, 1 | -1> {
  const direction = order === 'asc' ? 1 : -1;
  return { [sort]: direction, _id: direction };
}

function decodeCursor(cursor: string): CursorPayload {
  const payload = decodeCursorPayload(cursor) as Partial<CursorPayload>;
  const valid =
    typeof payload === 'object' &&
    payload !== null &&
    Object.keys(payload).every((key) => CURSOR_KEYS.has(key)) &&
    typeof payload.c === 'string' &&
    typeof payload.s === 'string' &&
    (payload.o === 'asc' || payload.o === 'desc') &&
    typeof payload.i === 'string' &&
    (payload.k === 's' ? payload.i.length > 0 : payload.k === undefined && isObjectIdHex(payload.i)) &&
    ((payload.t === 'string' && typeof payload.v === 'string') ||
      (payload.t === 'number' && typeof payload.v === 'number' && Number.isFinite(payload.v)) ||
      (payload.t === 'date' && typeof payload.v === 'string' && !Number.isNaN(Date.parse(payload.v))));
  if (!valid) throw invalidCursor('cursor is not one this service issued');
  return payload as CursorPayload;
}

const CURSOR_KEYS = new Set(['c', 's', 'o', 'v', 't', 'i', 'k']);

export function invalidCursor(message: string): InvalidInputError {
  return new InvalidInputError(message, fieldDetails('cursor', message));
}

/**
 * Cuts the rows of a query for `limit + 1` items down to one page: the extra
 * row only tells whether a next page exists.
 */
export function pageOf<T extends { _id: DocumentId }>(
  rows: T[],
  limit: number,
  scope: string,
  sort: string,
  order: SortOrder,
  sortValue: (row: T) => SortValue,
): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: encodeCursor(scope, sort, order, sortValue(last), last._id) };
}

/** Shared ground of the records e2e files: a running app with an owner, sample points in every upload format, readers of every export. */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { Api } from './auth';
import { MINUTE, T0 } from '../../src/common/testing/time';

export type { Api };
export type Point = { timestamp: number; kw: number | null; on: boolean | null; note: string | null };

export const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'on', type: 'boolean' },
  { name: 'note', type: 'string' },
];

/** Points every minute over ~2 days (several buckets), with awkward values: nulls, negatives, quotes, commas, new lines. */
export function samplePoints(count: number, offset = 0): Point[] {
  const notes = ['plain', 'with, comma', 'with "quotes"', 'two\nlines', ' padded ', '', 'ünïcode ✓'];
  return Array.from({ length: count }, (_, i) => ({
    timestamp: T0 + (i + offset) * MINUTE * 3,
    kw: i % 11 === 0 ? null : Math.round((Math.sin(i) * 1000 - 200) * 1e6) / 1e6,
    on: i % 7 === 0 ? null : i % 2 === 0,
    note: i % 5 === 0 ? null : notes[i % notes.length],
  }));
}

export function asJsonBody(points: Point[]): object[] {
  // Mixed timestamp forms: ISO 8601 and epoch milliseconds.
  return points.map((p, i) => ({ ...p, timestamp: i % 2 === 0 ? new Date(p.timestamp).toISOString() : p.timestamp }));
}

export function asNdjson(points: Point[]): string {
  return points.map((p) => JSON.stringify({ ...p, timestamp: new Date(p.timestamp).toISOString() })).join('\n') + '\n';
}

export function asCsv(points: Point[]): string {
  const cell = (value: string | number | boolean | null | undefined): string => {
    if (value === null) return '';
    const text = String(value);
    return text === '' || /[",\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `timestamp,kw,on,note\n${points.map((p) => [p.timestamp, p.kw, p.on, p.note].map(cell).join(',')).join('\n')}\n`;
}

/** What a read returns for these points (ISO timestamps, time order). */
export function expected(points: Point[]): Record<string, unknown>[] {
  const latest = new Map(points.map((p) => [p.timestamp, p]));
  return [...latest.values()]
    .sort((a, b) => a.timestamp - b.timestamp)
    .map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() }));
}

export async function readAllPages(api: Api, id: string, query: Record<string, string | number> = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const response: request.Response = await api
      .get(`/datasets/${id}/records`)
      .query({ ...query, limit: 100, ...(cursor ? { cursor } : {}) })
      .expect(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return items;
}

export function parseNdjson(text: string): Record<string, unknown>[] {
  return text.trim() === ''
    ? []
    : text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
}

/** Reads our CSV back (RFC 4180 quoting; an empty cell is null, `""` the empty string), typed like the dataset's fields. */
export function parseCsvExport(text: string): Record<string, unknown>[] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const endCell = (): void => {
    row.push(cell === '' && !wasQuoted ? null : cell);
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') endCell();
    else if (c === '\n') {
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
  }
  const [header, ...data] = rows;
  expect(header).toEqual(['timestamp', 'kw', 'on', 'note']);
  return data.map(([timestamp, kw, on, note]) => ({
    timestamp,
    kw: kw === null ? null : Number(kw),
    on: on === null ? null : on === 'true',
    note,
  }));
}

/** A POST of raw bytes (supertest would send a Buffer given as JSON as `{"type":"Buffer",…}`). */
export function postRaw(url: string, token: string, type: string, body: Buffer): Promise<{ status?: number; body: { details?: unknown } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'Content-Type': type, 'Content-Length': body.length, Authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) as { details?: unknown } }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Registers the user who owns the test's datasets; resolves to its id. */
export async function createOwner(api: Api, name: string): Promise<string> {
  return (
    await api
      .post('/users')
      .send({ name, email: `${randomUUID()}@example.com` })
      .expect(201)
  ).body.id as string;
}

/** A new dataset of `fields` (and `extra`), owned by the test's owner; resolves to its id. */
export async function createDataset(
  api: Api,
  ownerId: string,
  prefix: string,
  fields: object[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  return (
    await api
      .post('/datasets')
      .send({ ownerId, name: `${prefix}-${randomUUID()}`, frequency: '1m', fields, ...extra })
      .expect(201)
  ).body.id as string;
}

/** A records upload of `body` as `type` (a string or a Buffer as it is, anything else as JSON). */
export function uploadRecords(api: Api, id: string, type: string, body: string | Buffer | object): request.Test {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return api.post(`/datasets/${id}/records`).set('Content-Type', type).send(payload);
}

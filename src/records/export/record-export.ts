import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { decodeCursorPayload, encodeCursorPayload, invalidCursor } from '../../common/pagination/cursor';
import type { DatasetField } from '../../datasets/dataset-shape';
import { windowStart } from '../store/buckets';
import { RecordsPageDto } from '../api/dto/records-response.dto';
import { COLUMNAR_EXTENSIONS, COLUMNAR_MEDIA_TYPES, ColumnarFormat, columnarExport } from './columnar-export';
import type { PointRow } from '../points';
import { isoTimestamps } from './iso-timestamps';
import { ReadPlan } from '../read-plan';

const EXPORT_CHUNK_BYTES = 64 * 1024;
const logger = new Logger('RecordsExport');

/** Answers a read: a page of points (json), or the whole range streamed (ndjson, csv, parquet, arrow). */
export async function sendRecords(
  request: Request,
  response: Response,
  plan: ReadPlan,
  format: 'json' | 'ndjson' | 'csv' | ColumnarFormat,
  limit: number,
  every?: number,
): Promise<void> {
  if (format === 'json') {
    response.json(await page(plan.rows, plan.fields, limit, every));
    return;
  }
  if (format === 'ndjson' || format === 'csv') {
    response.status(200).type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    await streamExport(request, response, textExport(plan.rows, plan.fields, format), plan.rows);
    return;
  }
  // The file is named after the dataset; content-disposition encodes names that are not plain ASCII.
  response.status(200).attachment(`${plan.dataset.name.replace(/[/\\]/g, '_')}.${COLUMNAR_EXTENSIONS[format]}`);
  response.type(COLUMNAR_MEDIA_TYPES[format]);
  await streamExport(request, response, columnarExport(plan, format), plan.rows);
}

/**
 * A records page resumes after a timestamp. Its cursor keeps its own payload
 * (`{t}`, the wire format clients hold) in the shared base64url JSON form.
 */
export function decodeRecordsCursor(cursor: string): number {
  const { t } = (decodeCursorPayload(cursor) ?? {}) as { t?: unknown };
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  throw invalidCursor('cursor is not one this service issued');
}

function encodeRecordsCursor(t: number): string {
  return encodeCursorPayload({ t });
}

async function page(rows: AsyncGenerator<PointRow[]>, fields: DatasetField[], limit: number, every?: number): Promise<RecordsPageDto> {
  const items: Record<string, unknown>[] = [];
  let lastT: number | undefined;
  for await (const batch of rows) {
    for (const row of batch) {
      if (items.length === limit) {
        await rows.return([]);
        // A downsampled page resumes after its last interval, a raw one after its last point.
        // (From the interval's own start: the first one may be shown from a later date, see Downsampler.)
        return { items, nextCursor: encodeRecordsCursor(every ? windowStart(lastT as number, every) + every - 1 : (lastT as number)) };
      }
      items.push(toItem(row, fields));
      lastT = row.t;
    }
  }
  return { items, nextCursor: null };
}

function toItem(row: PointRow, fields: DatasetField[]): Record<string, unknown> {
  const item: Record<string, unknown> = { timestamp: new Date(row.t).toISOString() };
  fields.forEach((field, i) => (item[field.name] = row.values[i]));
  return item;
}

/**
 * Sends an export's chunks, respecting backpressure. A failure before
 * anything was sent is thrown (the exception filter answers it); after, the
 * status line is gone, so the failure is logged and the connection cut
 * before the chunked body's end: the client sees a premature close, never a
 * clean but truncated export.
 */
async function streamExport(
  request: Request,
  response: Response,
  chunks: AsyncGenerator<string | Uint8Array>,
  rows: AsyncGenerator<PointRow[]>,
): Promise<void> {
  let closed = false;
  response.once('close', () => (closed = true));
  try {
    for await (const chunk of chunks) {
      if (closed) break;
      if (!response.write(chunk)) await drained(response);
    }
    response.end();
  } catch (error) {
    if (!response.headersSent) {
      response.removeHeader('Content-Disposition');
      throw error;
    }
    logger.error({ reqId: request.id, err: error }, `records export of ${request.originalUrl} broke off after its headers were sent`);
    response.destroy();
  } finally {
    await rows.return([]);
  }
}

/** NDJSON or CSV text, one bucket in memory at a time, in chunks of about EXPORT_CHUNK_BYTES. */
async function* textExport(rows: AsyncGenerator<PointRow[]>, fields: DatasetField[], format: 'ndjson' | 'csv'): AsyncGenerator<string> {
  let chunk = format === 'csv' ? `timestamp${fields.map((field) => `,${csvCell(field.name)}`).join('')}\n` : '';
  const line = format === 'csv' ? csvLine() : ndjsonLine(fields);
  for await (const batch of rows) {
    for (const row of batch) chunk += line(row);
    if (chunk.length >= EXPORT_CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Resolves when the response can take more, or is closed (a client gone away never drains it). */
function drained(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });
}

/** NDJSON lines written directly (the same text as JSON.stringify of toItem, several times faster). */
function ndjsonLine(fields: DatasetField[]): (row: PointRow) => string {
  const keys = fields.map((field) => `,${JSON.stringify(field.name)}:`);
  const iso = isoTimestamps();
  return (row) => {
    let text = `{"timestamp":"${iso(row.t)}"`;
    for (let i = 0; i < keys.length; i++) {
      const value = row.values[i];
      text += keys[i] + (typeof value === 'number' ? String(value) : value === null ? 'null' : JSON.stringify(value));
    }
    return `${text}}\n`;
  };
}

function csvLine(): (row: PointRow) => string {
  const iso = isoTimestamps();
  return (row) => {
    let text = iso(row.t);
    for (const value of row.values) text += `,${value === null ? '' : csvCell(String(value))}`;
    return `${text}\n`;
  };
}

/** Quotes what a CSV reader would otherwise split, unquote, trim or read as null (the empty string). */
function csvCell(text: string): string {
  return text === '' || /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Principal } from '../../access/principal';
import type { DatasetField } from '../../datasets/dataset-shape';
import { DatasetRef } from '../../datasets/datasets.service';
import { RecordsInputError } from '../ingest/record-errors';
import { RecordsService } from '../records.service';
import { ServedPoints } from '../read-plan';
import type { VersionPin } from '../store/version-pin';
import { ChartBands } from './chart-bands';
import { ChartRenderer } from './chart-renderer';

/** Changes whenever the picture drawn for the same points changes, so that cached charts are not reused across it. */
const RENDERER = 'chart-1';
/** The plot area's horizontal margins (see chart-svg.ts): one interval per remaining pixel. */
const PLOT_MARGINS = 72;

export interface ChartRequest {
  from?: number;
  to?: number;
  fields?: string[];
  pin: VersionPin;
  width: number;
  height: number;
}

/** A chart answer: the SVG, or nothing when the client's copy (If-None-Match) is current. */
export interface ChartAnswer {
  svg?: string;
  served: ServedPoints;
  /** Set for a pinned version, whose chart never changes. */
  etag?: string;
  cacheControl: string;
}

/**
 * Line charts of a dataset's series, drawn on the server: the records read
 * (the same access rules, version pinning and field selection), folded into
 * one interval per pixel, rendered to SVG.
 */
@Injectable()
export class ChartService {
  constructor(
    private readonly records: RecordsService,
    private readonly renderer: ChartRenderer,
  ) {}

  async render(ref: DatasetRef, request: ChartRequest, principal: Principal, ifNoneMatch?: string): Promise<ChartAnswer> {
    // The statistics check access and resolve the pin, and give the range to show when none is asked for.
    const extent = await this.records.stats(ref, request.pin, principal);
    const served: ServedPoints = { version: extent.version, digest: extent.digest };
    const etag = served.digest ? etagOf(served.digest, request) : undefined;
    // A version's chart never changes; a tag may move to another version, so its chart is revalidated every time.
    const cacheControl = request.pin.version !== undefined ? 'private, max-age=86400' : 'private, no-cache';
    if (etag && matches(ifNoneMatch, etag)) return { served, etag, cacheControl };

    const from = request.from ?? (extent.first === undefined ? undefined : Date.parse(extent.first));
    const to = request.to ?? (extent.last === undefined ? undefined : Date.parse(extent.last) + 1);
    const plan = await this.records.read(ref, { from, to, fields: request.fields, pin: request.pin }, principal);
    const charted = chartedFields(plan.fields, request.fields !== undefined);
    const columns = charted.map((field) => plan.fields.indexOf(field));
    const projected = columns.length !== plan.fields.length;
    const bands =
      from === undefined || to === undefined
        ? undefined
        : new ChartBands(Math.max(1, Math.ceil((to - from) / plotWidth(request))), charted);
    for await (const batch of plan.rows) {
      bands?.add(projected ? batch.map(({ t, values }) => ({ t, values: columns.map((column) => values[column]) })) : batch);
    }
    const result = bands?.finish();
    const svg = await this.renderer.render({
      title: plan.dataset.name,
      subtitle: subtitleOf(plan.served, request.pin),
      width: request.width,
      height: request.height,
      from,
      to,
      fields: charted,
      content: result && result.points.length > 0 ? result : { message: 'no points' },
    });
    return { svg, served: plan.served, etag, cacheControl };
  }
}

/** The number fields of a read; a field named in `fields` that is not a number is a mistake. */
function chartedFields(fields: DatasetField[], named: boolean): DatasetField[] {
  const others = fields.filter((field) => field.type !== 'number');
  if (named && others.length > 0) {
    const message = `fields must name number fields only, not ${others.map((field) => `${field.name} (${field.type})`).join(', ')}`;
    throw new RecordsInputError(message, [{ field: 'fields', messages: [message] }]);
  }
  return fields.filter((field) => field.type === 'number');
}

function plotWidth(request: ChartRequest): number {
  return Math.max(1, request.width - PLOT_MARGINS);
}

function subtitleOf(served: ServedPoints, pin: VersionPin): string {
  if (served.version === 'live') return 'live points';
  const version = `version ${served.version} (${served.digest?.slice(0, 19)}…)`;
  return pin.tag === undefined ? version : `tag ${pin.tag}: ${version}`;
}

function etagOf(digest: string, request: ChartRequest): string {
  const key = JSON.stringify([RENDERER, digest, request.pin, request.from, request.to, request.fields, request.width, request.height]);
  return `"${createHash('sha256').update(key).digest('base64url').slice(0, 32)}"`;
}

/** If-None-Match: `*`, or a list of entity tags, weak ones compared by their value (RFC 9110 §13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { NotFoundError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { DatasetRef, DatasetsService } from '../datasets/datasets.service';
import type { Dataset, DatasetField } from '../datasets/dataset-shape';
import { RecordsChange } from '../events/contract';
import { readBuckets } from './store/bucket-reads';
import { bucketSpanMs, BucketSummary, seriesStats } from './store/buckets';
import { Aggregation, Downsampler } from './downsampler';
import { RecordsStatsDto, RecordsWriteResultDto } from './api/dto/records-response.dto';
import { invalidRows, RecordsInputError, REPORTED_ERRORS } from './ingest/record-errors';
import { Principal } from '../access/principal';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { parseRecords, RecordFormat } from './ingest/record-parsers';
import { RecordsRepository } from './store/records.repository';
import { RecordsLock } from './store/records-lock';
import type { PointRow, RowError } from './points';
import { DatasetVersion } from './schemas/dataset-version.schema';
import { RecordSeries } from './schemas/record-series.schema';
import { SeriesWrite } from './store/series-write';
import { pinnedVersion, VersionPin } from './store/version-pin';
import { VersionsRepository } from './store/versions.repository';
import { ReadPlan, ServedPoints } from './read-plan';

export interface ReadRequest {
  /** Inclusive. */
  from?: number;
  /** Exclusive. */
  to?: number;
  /** Only points after this timestamp (the paging cursor). */
  after?: number;
  /** Names of the fields to return, in order; all when absent. */
  fields?: string[];
  /** Downsampling: interval length (ms) and what to compute per interval. */
  every?: number;
  agg?: Aggregation;
  /** A sealed version to read instead of the live points. */
  pin?: VersionPin;
  /** How the points are served, when they are (counted in the metrics by format). */
  format?: string;
}

/**
 * A dataset's time-series records: all-or-nothing writes (SeriesWrite), range
 * reads and exports one bucket at a time, statistics from the bucket summaries.
 */
@Injectable()
export class RecordsService {
  private readonly logger = new Logger(RecordsService.name);

  constructor(
    private readonly repository: RecordsRepository,
    private readonly datasets: DatasetsService,
    private readonly recordsLock: RecordsLock,
    private readonly versions: VersionsRepository,
    private readonly config: AppConfig,
    private readonly metrics: RegistryMetrics,
  ) {}

  /** Appends (or replaces, per timestamp) the points of a request body: all of them, or none. */
  async append(ref: DatasetRef, body: Readable, format: RecordFormat, principal: Principal): Promise<RecordsWriteResultDto> {
    const { _id } = await this.datasets.findWritable(ref, principal);
    return this.recordsLock.run(_id, 'write-records', async (renew) => {
      const dataset = await this.datasets.findCurrent(_id);
      const write = new SeriesWrite(this.repository, dataset, await this.currentSeries(dataset), bucketSpanMs(dataset.frequency));
      try {
        const errors: RowError[] = [];
        parsing: for await (const batch of parseRecords(body, format, dataset.fields, this.config.records)) {
          // Once a row is refused, no more points are written: the upload will be refused whole.
          const points = errors.length === 0 ? batch.clean : 0;
          for (let row = 0; row < points; row++) {
            const writing = write.addFrom(batch, row);
            if (writing) await writing;
          }
          for (const error of batch.errors) {
            errors.push(error);
            if (errors.length >= REPORTED_ERRORS) break parsing;
          }
          await renew();
        }
        if (errors.length > 0) throw invalidRows(errors);
        if (write.added === 0) throw new RecordsInputError('the body holds no points');
        const series = await write.seal();
        const change = recordsChange(dataset, write.added, write.first, write.last);
        await this.datasets.commitRecords(dataset, seriesRef(series), 'dataset.records.appended', change, principal);
        this.metrics.recordsIngested(format, write.added);
        await write.cleanUpCommitted(await this.versions.heldBucketIds(_id.toHexString()));
        return writeResult(dataset, change, series.buckets);
      } catch (error) {
        await write.discard().catch((cleanup: Error) => this.logger.warn(`could not discard a failed write: ${cleanup.message}`));
        throw error;
      }
    });
  }

  /** Deletes the points in [from, to). */
  async deleteRange(ref: DatasetRef, from: number, to: number, principal: Principal): Promise<RecordsWriteResultDto> {
    const { _id } = await this.datasets.findWritable(ref, principal);
    return this.recordsLock.run(_id, 'delete-records', async (renew) => {
      const dataset = await this.datasets.findCurrent(_id);
      const base = await this.currentSeries(dataset);
      const write = new SeriesWrite(this.repository, dataset, base, bucketSpanMs(dataset.frequency));
      let count = 0;
      let first: number | undefined;
      let last: number | undefined;
      try {
        for (const bucket of write.baseBuckets(from, to)) {
          const points = await write.pointsOf([bucket]);
          for (const t of [...points.keys()]) {
            if (t < from || t >= to) continue;
            points.delete(t);
            count++;
            first = first === undefined ? t : Math.min(first, t);
            last = last === undefined ? t : Math.max(last, t);
          }
          if (points.size !== bucket.count) await write.replace(bucket, points);
          await renew();
        }
        const change = recordsChange(dataset, count, first, last);
        if (count === 0) {
          await write.discard();
          return writeResult(dataset, change, base?.buckets ?? []);
        }
        const series = await write.seal();
        await this.datasets.commitRecords(dataset, seriesRef(series), 'dataset.records.deleted', change, principal);
        await write.cleanUpCommitted(await this.versions.heldBucketIds(_id.toHexString()));
        return writeResult(dataset, change, series.buckets);
      } catch (error) {
        await write.discard().catch(() => undefined);
        throw error;
      }
    });
  }

  async stats(ref: DatasetRef, pin: VersionPin, principal: Principal): Promise<RecordsStatsDto> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const version = await pinnedVersion(this.versions, dataset._id.toHexString(), pin);
    const stats = version ? version.stats : seriesStats((await this.currentSeries(dataset))?.buckets ?? [], dataset.fields);
    return {
      datasetId: dataset._id.toHexString(),
      ...servedBy(version),
      count: stats.count,
      first: stats.first === undefined ? undefined : new Date(stats.first).toISOString(),
      last: stats.last === undefined ? undefined : new Date(stats.last).toISOString(),
      fields: stats.fields,
    };
  }

  /** Plans a read: the fields returned and the rows (raw or downsampled), in time order. */
  async read(ref: DatasetRef, request: ReadRequest, principal: Principal): Promise<ReadPlan> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const version = await pinnedVersion(this.versions, dataset._id.toHexString(), request.pin ?? {});
    // A version reads with the fields it was sealed with, whatever the dataset's are now.
    const allFields = version?.fields ?? dataset.fields;
    const fields = selectFields(allFields, request.fields);
    if (request.fields && request.agg && NUMERIC_AGGREGATIONS.has(request.agg)) assertNumeric(fields, request.agg);
    const columns = fields.map((field) => allFields.indexOf(field));
    const [from, to] = [request.from ?? -Infinity, request.to ?? Infinity];
    const points = version ? this.versionPoints(version, from, to, request.after) : this.points(dataset, from, to, request.after);
    const all = columns.every((column, i) => column === i) && columns.length === allFields.length;
    const served = servedBy(version);
    const exported = request.format ? (count: number) => this.metrics.recordsExported(request.format ?? '', count) : () => undefined;
    async function* project(): AsyncGenerator<PointRow[]> {
      for await (const batch of points) {
        exported(batch.length);
        yield all ? batch : batch.map(({ t, values }) => ({ t, values: columns.map((column) => values[column]) }));
      }
    }
    if (!request.every || !request.agg) return { dataset, fields, rows: project(), served };
    const downsampler = new Downsampler(request.every, request.agg, fields);
    async function* downsample(): AsyncGenerator<PointRow[]> {
      for await (const batch of project()) {
        const closed: PointRow[] = [];
        for (const { t, values } of batch) {
          const interval = downsampler.add(t, values);
          if (interval) closed.push(interval);
        }
        if (closed.length > 0) yield closed;
      }
      const lastInterval = downsampler.flush();
      if (lastInterval) yield [lastInterval];
    }
    return { dataset, fields, rows: downsample(), downsampling: { every: request.every, agg: request.agg }, served };
  }

  /**
   * The dataset's points in [from, to) after `after`, in time order, one
   * bucket in memory at a time. If a concurrent write replaced a bucket
   * meanwhile, it picks up the new series where it left off.
   */
  private async *points(dataset: Dataset, from: number, to: number, after?: number): AsyncGenerator<PointRow[]> {
    const position = startOf(from, after);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = attempt === 0 ? dataset : await this.datasets.findCurrent(dataset._id);
      const series = await this.currentSeries(current);
      if (!series) return;
      const wanted = series.buckets.filter((bucket) => bucket.last >= position.resumeAt && bucket.first < to);
      if (yield* readBuckets(this.repository, wanted, dataset.fields, position, to)) return;
    }
    throw new Error('the records kept changing during the read');
  }

  /** A version's points: its buckets never change, and are gone only if the version was deleted meanwhile. */
  private async *versionPoints(version: DatasetVersion, from: number, to: number, after?: number): AsyncGenerator<PointRow[]> {
    const position = startOf(from, after);
    const wanted = version.buckets.filter((bucket) => bucket.last >= position.resumeAt && bucket.first < to);
    if (!(yield* readBuckets(this.repository, wanted, version.fields, position, to))) {
      throw new NotFoundError(`version ${version.number} of dataset ${version.datasetId} was deleted during the read`);
    }
  }

  /** The dataset's committed series, if it has points (or had). */
  async currentSeries(dataset: Dataset): Promise<RecordSeries | undefined> {
    if (!dataset.recordSeriesId) return undefined;
    const series = await this.repository.findSeries(dataset.recordSeriesId);
    if (!series) throw new Error(`series ${dataset.recordSeriesId} of dataset ${dataset._id.toHexString()} is missing`);
    return series;
  }
}

function selectFields(all: DatasetField[], names: string[] | undefined): DatasetField[] {
  if (!names) return all;
  const unknown = names.filter((name) => !all.some((field) => field.name === name));
  if (unknown.length > 0) {
    const message = `fields names unknown fields: ${unknown.join(', ')}`;
    throw new RecordsInputError(message, [{ field: 'fields', messages: [message] }]);
  }
  return names.map((name) => all.find((field) => field.name === name) as DatasetField);
}

const NUMERIC_AGGREGATIONS = new Set<Aggregation>(['avg', 'min', 'max', 'sum']);

/** Asked for by name, a field that `agg` cannot apply to is a mistake (unnamed ones just read as null). */
function assertNumeric(fields: DatasetField[], agg: Aggregation): void {
  const others = fields.filter((field) => field.type !== 'number');
  if (others.length > 0) {
    const message = `agg=${agg} applies to number fields only, not to ${others.map((field) => `${field.name} (${field.type})`).join(', ')}`;
    throw new RecordsInputError(message, [{ field: 'fields', messages: [message] }]);
  }
}

function recordsChange(dataset: Dataset, count: number, first?: number, last?: number): RecordsChange {
  const change: RecordsChange = { datasetId: dataset._id.toHexString(), count };
  if (first !== undefined) change.from = new Date(first).toISOString();
  if (last !== undefined) change.to = new Date(last).toISOString();
  return change;
}

/** Where a read starts: at `from`, or after the paging cursor's timestamp. */
function startOf(from: number, after: number | undefined): { resumeAt: number } {
  return { resumeAt: Math.max(from, after === undefined ? -Infinity : after + 1) };
}

function servedBy(version: DatasetVersion | undefined): ServedPoints {
  return version ? { version: version.number, digest: version.digest } : { version: 'live' };
}

function seriesRef(series: RecordSeries): { id: string; count: number } {
  return { id: series._id, count: series.buckets.reduce((total, bucket) => total + bucket.count, 0) };
}

function writeResult(dataset: Dataset, change: RecordsChange, buckets: BucketSummary[]): RecordsWriteResultDto {
  return { ...change, totalPoints: buckets.reduce((sum, bucket) => sum + bucket.count, 0) };
}

import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { Principal } from '../../access/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { fieldDetails } from '../../common/errors/field-error';
import { PageRequest } from '../../common/pagination/cursor';
import { DatasetEvents } from '../../datasets/dataset-events';
import { DatasetRef, DatasetsService } from '../../datasets/datasets.service';
import { VersionChange } from '../../events/contract';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { readBuckets } from '../store/bucket-reads';
import { seriesStats } from '../store/buckets';
import { PointsDigest } from './points-digest';
import { RecordsLock } from '../store/records-lock';
import { RecordsRepository } from '../store/records.repository';
import { RecordsService } from '../records.service';
import { DatasetTag, DatasetVersion, VersionSource } from '../schemas/dataset-version.schema';
import { CreateVersionDto, VersionPageDto, VersionResponseDto } from './dto/version.dto';
import { existingVersion } from '../store/version-pin';
import { toVersionResponse } from './version-responses';
import { versionId, VersionsRepository } from '../store/versions.repository';

/**
 * Sealed versions: a version shares its series' buckets (never copied), which outlive the live series
 * while a version holds them; runs under the records lock. See docs/records.md#versions-and-tags.
 */
@Injectable()
export class VersionsService {
  constructor(
    private readonly versions: VersionsRepository,
    private readonly records: RecordsService,
    private readonly repository: RecordsRepository,
    private readonly datasets: DatasetsService,
    private readonly events: DatasetEvents,
    private readonly recordsLock: RecordsLock,
    private readonly metrics: RegistryMetrics,
  ) {}

  async create(ref: DatasetRef, dto: CreateVersionDto, principal: Principal): Promise<VersionResponseDto> {
    const { _id } = await this.datasets.findWritable(ref, principal);
    const derivedFrom = dto.derivedFrom ? await this.checkedSources(dto.derivedFrom, principal) : undefined;
    return this.recordsLock.run(_id, 'seal-version', async (renew) => {
      const dataset = await this.datasets.findCurrent(_id);
      const buckets = (await this.records.currentSeries(dataset))?.buckets ?? [];
      const digest = new PointsDigest(dataset.fields);
      const reading = readBuckets(this.repository, buckets, dataset.fields, { resumeAt: -Infinity }, Infinity);
      for (let next = await reading.next(); ; next = await reading.next()) {
        if (next.done) {
          // Under the records lock no bucket of the current series goes away; if one did, nothing is sealed.
          if (!next.value) throw new ConflictError(`the records of dataset ${_id.toHexString()} changed during the seal; retry`);
          break;
        }
        digest.update(next.value);
        await renew();
      }
      const datasetId = _id.toHexString();
      const version: DatasetVersion = {
        _id: '',
        datasetId,
        number: (await this.versions.lastNumber(datasetId)) + 1,
        fields: dataset.fields,
        buckets,
        stats: seriesStats(buckets, dataset.fields),
        digest: digest.digest(),
        createdBy: principal.userId.toHexString(),
        createdAt: new Date(),
        ...(dto.message != null ? { message: dto.message } : {}),
        ...(derivedFrom ? { derivedFrom } : {}),
        ...(dto.transform != null ? { transform: dto.transform } : {}),
      };
      version._id = versionId(datasetId, version.number);
      if (!(await this.versions.insertVersion(version))) {
        throw new ConflictError(`version ${version.number} of dataset ${datasetId} was sealed meanwhile; retry`);
      }
      try {
        await this.events.record(_id, 'dataset.version.created', versionChange(version), principal);
      } catch (error) {
        // No version without its event: take it back.
        await this.versions.deleteVersion(datasetId, version.number);
        throw error;
      }
      this.metrics.versionSealed();
      return toVersionResponse(version, []);
    });
  }

  async list(ref: DatasetRef, page: PageRequest, principal: Principal): Promise<VersionPageDto> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const datasetId = dataset._id.toHexString();
    const [{ rows, nextCursor }, tags] = await Promise.all([
      this.versions.pageOfVersions(datasetId, page),
      this.versions.tagsOf(datasetId),
    ]);
    return { items: rows.map((version) => toVersionResponse(version, namesOfTagsOn(tags, version.number))), nextCursor };
  }

  async findOne(ref: DatasetRef, number: number, principal: Principal): Promise<VersionResponseDto> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const version = await existingVersion(this.versions, dataset._id.toHexString(), number);
    return toVersionResponse(version, namesOfTagsOn(await this.versions.tagsOf(version.datasetId), number));
  }

  /** Deletes a version no tag points at, and the buckets only it held (the owner or an admin). */
  async remove(ref: DatasetRef, number: number, principal: Principal): Promise<void> {
    const found = await this.datasets.findManageable(ref, principal, 'delete its versions');
    await this.recordsLock.run(found._id, 'delete-version', async () => {
      const dataset = await this.datasets.findCurrent(found._id);
      const datasetId = dataset._id.toHexString();
      const version = await existingVersion(this.versions, datasetId, number);
      const tags = namesOfTagsOn(await this.versions.tagsOf(datasetId), number);
      if (tags.length > 0) {
        throw new ConflictError(`version ${number} is tagged (${tags.join(', ')}): delete its tags first`);
      }
      const live = new Set(((await this.records.currentSeries(dataset))?.buckets ?? []).map((bucket) => bucket.id));
      const held = await this.versions.heldBucketIds(datasetId, number);
      await this.versions.deleteVersion(datasetId, number);
      await this.repository.deleteDocuments(version.buckets.map((bucket) => bucket.id).filter((id) => !live.has(id) && !held.has(id)));
      await this.events.record(dataset._id, 'dataset.version.deleted', versionChange(version), principal);
    });
  }

  /** Lineage names versions the caller may read; anything else is a 422 naming the entry. */
  private async checkedSources(sources: VersionSource[], principal: Principal): Promise<VersionSource[]> {
    for (const [i, { datasetId, version }] of sources.entries()) {
      const field = `derivedFrom.${i}`;
      const readable = await this.datasets.findReadable({ id: new Types.ObjectId(datasetId) }, principal).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      const message = !readable
        ? `${field}.datasetId ${datasetId} is not a dataset you may read`
        : !(await this.versions.findVersion(datasetId, version))
          ? `${field}.version: dataset ${datasetId} has no version ${version}`
          : undefined;
      if (message) throw new UnprocessableError(message, fieldDetails(field, message));
    }
    return sources.map(({ datasetId, version }) => ({ datasetId: datasetId.toLowerCase(), version }));
  }
}

function namesOfTagsOn(tags: readonly DatasetTag[], number: number): string[] {
  return tags.filter((tag) => tag.version === number).map((tag) => tag.name);
}

function versionChange(version: DatasetVersion): VersionChange {
  const { stats } = version;
  const change: VersionChange = { datasetId: version.datasetId, version: version.number, digest: version.digest, count: stats.count };
  if (stats.first !== undefined) change.from = new Date(stats.first).toISOString();
  if (stats.last !== undefined) change.to = new Date(stats.last).toISOString();
  if (version.message !== undefined) change.message = version.message;
  if (version.derivedFrom !== undefined) change.derivedFrom = version.derivedFrom;
  if (version.transform !== undefined) change.transform = version.transform;
  return change;
}

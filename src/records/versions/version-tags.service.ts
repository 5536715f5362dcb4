import { Injectable } from '@nestjs/common';
import { Principal } from '../../access/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { fieldDetails } from '../../common/errors/field-error';
import { DatasetEvents } from '../../datasets/dataset-events';
import { DatasetRef, DatasetsService } from '../../datasets/datasets.service';
import { RecordsLock } from '../store/records-lock';
import { DatasetTag } from '../schemas/dataset-version.schema';
import { TagResponseDto } from './dto/version.dto';
import { toTagResponse } from './version-responses';
import { tagId, VersionsRepository } from '../store/versions.repository';

/**
 * Names for versions (`train-2026-11`). A tag is immutable once set: pointing
 * it elsewhere is a 409 unless the owner (or an admin) forces it, so a job that
 * logged a tag reads the same points later unless the owner decided otherwise
 * — and then the event says so. Tag changes take the records lock, so a tag
 * never points at a version being deleted.
 */
@Injectable()
export class VersionTagsService {
  constructor(
    private readonly versions: VersionsRepository,
    private readonly datasets: DatasetsService,
    private readonly events: DatasetEvents,
    private readonly recordsLock: RecordsLock,
  ) {}

  /** Sets a tag; `created` is false when it existed (unchanged, or moved by force). */
  async set(
    ref: DatasetRef,
    name: string,
    number: number,
    force: boolean,
    principal: Principal,
  ): Promise<{ tag: TagResponseDto; created: boolean }> {
    const dataset = force
      ? await this.datasets.findManageable(ref, principal, 'move a tag (force)')
      : await this.datasets.findWritable(ref, principal);
    const datasetId = dataset._id.toHexString();
    return this.recordsLock.run(dataset._id, 'tag-version', async () => {
      const version = await this.versions.findVersion(datasetId, number);
      if (!version) {
        const message = `dataset ${datasetId} has no version ${number}`;
        throw new UnprocessableError(message, fieldDetails('version', message));
      }
      const existing = await this.versions.findTag(datasetId, name);
      if (existing?.version === number) return { tag: toTagResponse(existing, version.digest), created: false };
      if (existing && !force) {
        throw new ConflictError(
          `tag ${name} points at version ${existing.version}; tags do not move: delete it first, or set force=true (owner or admin)`,
        );
      }
      const by = principal.userId.toHexString();
      const tag: DatasetTag = { _id: tagId(datasetId, name), datasetId, name, version: number, createdBy: by, createdAt: new Date() };
      if (existing) await this.versions.repointTag(datasetId, name, number, tag.createdBy, tag.createdAt);
      else if (!(await this.versions.insertTag(tag))) throw new ConflictError(`tag ${name} was set meanwhile; retry`);
      const change = { datasetId, tag: name, version: number, ...(existing ? { previousVersion: existing.version } : {}) };
      await this.events.record(dataset._id, 'dataset.tagged', change, principal);
      return { tag: toTagResponse(tag, version.digest), created: !existing };
    });
  }

  async list(ref: DatasetRef, principal: Principal): Promise<TagResponseDto[]> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const datasetId = dataset._id.toHexString();
    const tags = await this.versions.tagsOf(datasetId);
    const digests = await this.versions.digestsOf(datasetId, [...new Set(tags.map((tag) => tag.version))]);
    return tags.map((tag) => toTagResponse(tag, digests.get(tag.version) ?? ''));
  }

  async findOne(ref: DatasetRef, name: string, principal: Principal): Promise<TagResponseDto> {
    const dataset = await this.datasets.findReadable(ref, principal);
    const datasetId = dataset._id.toHexString();
    const tag = await this.versions.findTag(datasetId, name);
    if (!tag) throw new NotFoundError(`dataset ${datasetId} has no tag ${name}`);
    return toTagResponse(tag, (await this.versions.findVersion(datasetId, tag.version))?.digest ?? '');
  }

  /** Removes a tag (the owner or an admin); its version stays. */
  async remove(ref: DatasetRef, name: string, principal: Principal): Promise<void> {
    const dataset = await this.datasets.findManageable(ref, principal, 'delete its tags');
    const datasetId = dataset._id.toHexString();
    await this.recordsLock.run(dataset._id, 'untag-version', async () => {
      const tag = await this.versions.findTag(datasetId, name);
      if (!tag || !(await this.versions.deleteTag(datasetId, name))) throw new NotFoundError(`dataset ${datasetId} has no tag ${name}`);
      await this.events.record(dataset._id, 'dataset.untagged', { datasetId, tag: name, previousVersion: tag.version }, principal);
    });
  }
}

import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { Principal } from '../access/principal';
import { pageOf } from '../common/pagination/cursor';
import { OwnerIndex } from '../ownership/owner-index';
import { mayRead } from './dataset-access';
import { DatasetsRepository } from './datasets.repository';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { Dataset } from './schemas/dataset.schema';

type Listed = { _id: Types.ObjectId; seq?: number; createdAt?: Date };

/**
 * The first page of one owner's datasets read through the owner index, one lookup by id per dataset:
 * it costs the page, not the registry. Why: docs/architecture.md#the-owner-index.
 */
@Injectable()
export class OwnerFirstPage {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly ownerIndex: OwnerIndex,
  ) {}

  /** Whether the page is one this reads: an owner's first page by creation time or number, without other filters. */
  serves(query: SearchDatasetsQueryDto): boolean {
    const { ownerId, cursor, name, tags, frequency, q, trashed, createdFrom, createdTo, sort } = query;
    const otherFilters = [cursor, name, tags, frequency, q, trashed, createdFrom, createdTo].some((value) => value !== undefined);
    return ownerId !== undefined && !otherFilters && (sort === 'createdAt' || sort === 'seq');
  }

  async read(query: SearchDatasetsQueryDto, principal: Principal): Promise<{ rows: Dataset[]; nextCursor: string | null }> {
    const ownerId = new Types.ObjectId(query.ownerId);
    const field = query.sort === 'seq' ? 'seq' : 'createdAt';
    const listed = await this.withSortKeys(await this.ownerIndex.listed(ownerId));
    const direction = query.order === 'asc' ? 1 : -1;
    listed.sort((a, b) => direction * (Number(a[field]) - Number(b[field]) || a._id.toHexString().localeCompare(b._id.toHexString())));

    const rows: Dataset[] = [];
    // Reads a page's worth at a time: most listed datasets are the owner's and readable.
    for (let start = 0; start < listed.length && rows.length <= query.limit;) {
      const batch = listed.slice(start, start + query.limit + 1 - rows.length);
      start += batch.length;
      const found = await this.datasets.fetchEach(batch.map(({ _id }) => _id));
      rows.push(...found.filter((dataset) => dataset.state === 'active' && dataset.ownerId.equals(ownerId) && mayRead(principal, dataset)));
    }
    // The list's keys are the dataset's own, which never change, so the order above is the datasets' order.
    return pageOf(rows, query.limit, this.datasets.collectionName, field, query.order, (row) => row[field]);
  }

  /** Lists of older versions lack sort keys: those datasets are read for them. */
  private async withSortKeys(listed: Listed[]): Promise<Required<Listed>[]> {
    const unsorted = listed.filter((entry) => entry.seq === undefined || entry.createdAt === undefined);
    const read = new Map((await this.datasets.fetchEach(unsorted.map(({ _id }) => _id))).map((d) => [d._id.toHexString(), d]));
    return listed.flatMap((entry) => {
      const keys = entry.seq !== undefined && entry.createdAt !== undefined ? entry : read.get(entry._id.toHexString());
      return keys ? [{ _id: entry._id, seq: keys.seq as number, createdAt: keys.createdAt as Date }] : [];
    });
  }
}

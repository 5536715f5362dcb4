import 'reflect-metadata';
import { Schema, Types } from 'mongoose';
import { LocksRepository } from './common/locks/locks.repository';
import { issuedQueries, Repository, unindexed } from './common/testing/query-indexes';
import { LockSchema } from './common/locks/lock.schema';
import { DatasetsRepository } from './datasets/datasets.repository';
import { SeqBlocksRepository } from './datasets/seq-blocks.repository';
import { DatasetSchema } from './datasets/schemas/dataset.schema';
import { DatasetSeqKeySchema } from './datasets/schemas/dataset-seq-key.schema';
import { DatasetMarkSchema } from './datasets/schemas/dataset-mark.schema';
import { SeqBlockSchema } from './datasets/schemas/seq-block.schema';
import { AuditEventSchema } from './events/audit-log/audit-event.schema';
import { AuditEventsRepository } from './events/audit-log/audit-events.repository';
import { OutboxMarkerSchema, OutboxSentSchema } from './events/outbox/outbox-marker.schema';
import { OutboxMarkersRepository } from './events/outbox/outbox-markers.repository';
import { OutboxSentRepository } from './events/outbox/outbox-sent.repository';
import { RelayBeatSchema, RelayBeatsRepository } from './events/outbox/relay-beats.repository';
import { OwnerIndexRepository } from './ownership/owner-index.repository';
import { OwnerIndexListSchema } from './ownership/schemas/owner-index.schema';
import { RecordsRepository } from './records/store/records.repository';
import { DatasetTagSchema, DatasetVersionSchema } from './records/schemas/dataset-version.schema';
import { RecordBucketSchema } from './records/schemas/record-bucket.schema';
import { RecordSeriesSchema } from './records/schemas/record-series.schema';
import { RecordUploadSchema } from './records/schemas/record-upload.schema';
import { VersionsRepository } from './records/store/versions.repository';
import { ApiTokenSchema } from './tokens/schemas/api-token.schema';
import { TokensRepository } from './tokens/tokens.repository';
import { UserIdentitySchema } from './users/schemas/user-identity.schema';
import { UserSchema } from './users/schemas/user.schema';
import { UserIdentitiesRepository } from './users/user-identities.repository';
import { UsersRepository } from './users/users.repository';

/**
 * Every query a repository issues is served by an index its schema declares (real MongoDB never scans). Every method is called
 * with arguments chosen by parameter name (a new name fails here until it is given one); how: common/testing/query-indexes.ts.
 */

/** Each model's schema, by the name its repository injects it under. */
const SCHEMAS: Record<string, Schema> = {
  Dataset: DatasetSchema,
  DatasetSeqKey: DatasetSeqKeySchema,
  DatasetMark: DatasetMarkSchema,
  SeqBlock: SeqBlockSchema,
  OwnerIndexList: OwnerIndexListSchema,
  User: UserSchema,
  UserIdentity: UserIdentitySchema,
  ApiToken: ApiTokenSchema,
  Lock: LockSchema,
  OutboxMarker: OutboxMarkerSchema,
  OutboxSent: OutboxSentSchema,
  RelayBeat: RelayBeatSchema,
  AuditEvent: AuditEventSchema,
  RecordBucket: RecordBucketSchema,
  RecordSeries: RecordSeriesSchema,
  RecordUpload: RecordUploadSchema,
  DatasetVersion: DatasetVersionSchema,
  DatasetTag: DatasetTagSchema,
};

const REPOSITORIES: Repository[] = [
  DatasetsRepository,
  SeqBlocksRepository,
  OwnerIndexRepository,
  UsersRepository,
  UserIdentitiesRepository,
  TokensRepository,
  LocksRepository,
  OutboxMarkersRepository,
  OutboxSentRepository,
  RelayBeatsRepository,
  AuditEventsRepository,
  RecordsRepository,
  VersionsRepository,
];

/** Reads of a whole collection on purpose, with the reason. */
const WHOLE_COLLECTION_READS: Record<string, string> = {
  'DatasetsRepository.backfillSeqKeys': 'every dataset and key, once: at the first boot of a version that writes keys first',
  'DatasetsRepository.entitiesWithWaitingEvents': "the outbox's periodic sweep for events a crash left unmarked",
  'UsersRepository.entitiesWithWaitingEvents': "the outbox's periodic sweep for events a crash left unmarked",
  'OwnerIndexRepository.allLists':
    "the ownership janitor's repair of unconfirmed entries, at boot and every 10 minutes: one document per user",
  'OutboxMarkersRepository.oldest': 'a small collection: only the events waiting',
  'OutboxMarkersRepository.allIds': "the same small collection, for the outbox's periodic sweep for events a crash left unmarked",
  'OutboxSentRepository.some': 'a small collection: only the events sent and not cleared from their outboxes yet',
  'OutboxSentRepository.allIds': "the same small collection, for the outbox's periodic sweep for events a crash left unmarked",
  'OutboxMarkersRepository.backlog': 'the same small collection, counted for the metrics at each scrape',
};

const id = new Types.ObjectId();
const datasetPage = { limit: 10, order: 'asc', sort: 'createdAt', tagMatch: 'all' };
const reader = { userId: id, admin: false };

/** An argument for each parameter name the repositories use. */
const ARGUMENTS: Record<string, unknown> = {
  ...Object.fromEntries(['id', 'userId', 'ownerId', 'to'].map((name) => [name, id])),
  ...Object.fromEntries(['ids', 'ownerIds', 'newIds', 'oldIds', 'keys', 'numbers'].map((name) => [name, [id, new Types.ObjectId()]])),
  ...Object.fromEntries(
    ['key', 'token', 'name', 'subject', 'issuer', 'emailKey', 'nameKey', 'by', 'datasetId', 'instanceId'].map((n) => [n, 'x']),
  ),
  ...Object.fromEntries(['number', 'rev', 'seq', 'first', 'end', 'limit', 'version', 'exceptNumber', 'state'].map((name) => [name, 2])),
  ...Object.fromEntries(['before', 'cutoff', 'trashedAt', 'at', 'expiresAt', 'markedAt'].map((name) => [name, new Date()])),
  ...Object.fromEntries(['docs', 'users', 'holdings', 'datasets', 'grants'].map((name) => [name, [{ _id: id, seq: 1 }]])),
  ...Object.fromEntries(
    ['event', 'next', 'dataset', 'user', 'holding', 'entry', 'upload', 'series', 'tag'].map((name) => [
      name,
      { _id: id, seq: 1, ownerId: id },
    ]),
  ),
  changes: { $set: { name: 'x' }, $unset: {} },
  kind: 'trash',
  // A list of two chunks read for an edit that appended to it: stored back with an upsert of its last chunk.
  edits: [
    {
      ownerId: id,
      layout: { list: new Map(), chunkOf: new Map(), stored: [Buffer.alloc(0), Buffer.alloc(0)], headStored: true, older: false },
      list: new Map([[id.toHexString(), { state: 2 }]]),
      before: Buffer.alloc(0),
    },
  ],
  lists: [{ ownerId: id, list: new Map() }],
  updates: [{ filter: { _id: id.toHexString() }, update: { $set: { entries: Buffer.alloc(0) } } }],
  edit: () => undefined,
  pick: (later: string[]) => later,
  ref: { seq: 1 },
  '{ _id, seq }': { _id: id, seq: 1 },
  '{ bucketIdsNoted, oldIds }': { bucketIdsNoted: 64, oldIds: ['x'] },
  published: [{ id, events: [{ id: 'e' }] }],
  events: [{ id: 'e' }],
  entries: [{ _id: 'e', entityId: id, sequence: 1 }],
  ...Object.fromEntries(['written', 'waiting'].map((name) => [name, [{ key: `dataset:${id.toHexString()}`, events: 2 }]])),
  page: { limit: 10, order: 'asc' },
  query: {},
  reader,
  scope: { userId: 'x', readableDatasetIds: ['y'] },
};

/** Several calls for the searches, one per filter and sort a request can give. */
const VARIANTS: Record<string, unknown[][]> = {
  'DatasetsRepository.search': [
    ...['createdAt', 'name', 'seq'].map((sort) => [
      { ...datasetPage, sort },
      { userId: id, admin: true },
    ]),
    [
      { ...datasetPage, ownerId: id.toHexString(), name: 'a', tags: ['t'], frequency: '1h', q: 'b', createdFrom: '2026-01-01T00:00:00Z' },
      reader,
    ],
    [
      { ...datasetPage, tags: ['t'] },
      { userId: id, admin: true, datasetIds: [id.toHexString()] },
    ],
    [
      { ...datasetPage, q: 'b', cursor: cursorAfter() },
      { userId: id, admin: true },
    ],
  ],
  'DatasetsRepository.searchTrash': [
    [datasetPage, reader],
    [datasetPage, { userId: id, admin: true }],
  ],
  'DatasetsRepository.findByRef': [[{ id }], [{ seq: 1 }]],
  'DatasetsRepository.readableIds': [[reader], [{ userId: id, admin: true, datasetIds: ['x'] }]],
  'UsersRepository.search': [
    ...['createdAt', 'name'].map((sort) => [{ limit: 10, order: 'asc', sort }]),
    [
      {
        limit: 10,
        order: 'asc',
        sort: 'createdAt',
        name: 'a',
        email: 'a@b.c',
        organization: 'o',
        role: 'r',
        createdFrom: '2026-01-01T00:00:00Z',
      },
    ],
  ],
  'AuditEventsRepository.search': [
    [{ limit: 10, order: 'asc' }],
    [{ limit: 10, order: 'asc', actorId: 'a', type: 't', entity: 'dataset', entityId: 'x', ownerId: 'o', from: '2026-01-01T00:00:00Z' }],
    [
      { limit: 10, order: 'asc' },
      { userId: 'x', readableDatasetIds: ['y'] },
    ],
  ],
};

function cursorAfter(): string {
  const payload = { c: 'datasets', s: 'createdAt', o: 'asc', v: '2026-01-01T00:00:00.000Z', t: 'date', i: id.toHexString() };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

describe('Repository queries and indexes', () => {
  it('calls every repository method, and each query it issues is served by a declared index', async () => {
    const { queries, uncallable } = await issuedQueries(REPOSITORIES, SCHEMAS, ARGUMENTS, VARIANTS);
    expect(uncallable).toEqual([]);
    expect(queries.length).toBeGreaterThan(80);
    expect(unindexed(queries, WHOLE_COLLECTION_READS)).toEqual([]);
  });

  it('fails on a query without an index, a sort without one and a method it cannot call', async () => {
    class ProbeRepository {
      constructor(private readonly probes: { find: (filter: object) => { sort: (sort: object) => unknown } }) {}
      byColour(name: string): unknown {
        return this.probes.find({ colour: name });
      }
      bySizeOrColour(number: number): unknown {
        return this.probes.find({ $or: [{ size: number }, { colour: 'red' }] });
      }
      bySizeSortedByColour(number: number): unknown {
        return this.probes.find({ size: number }).sort({ colour: 1 });
      }
      withNewParameter(shade: string): unknown {
        return this.probes.find({ shade });
      }
    }
    Reflect.defineMetadata('self:paramtypes', [{ index: 0, param: 'ProbeModel' }], ProbeRepository);
    const schema = new Schema({ size: Number, colour: String });
    schema.index({ size: 1 });
    const { queries, uncallable } = await issuedQueries([ProbeRepository], { Probe: schema }, ARGUMENTS);
    expect(uncallable).toEqual(['ProbeRepository.withNewParameter(shade)']);
    expect(unindexed(queries)).toEqual([
      'ProbeRepository.byColour: no index for the filter {"colour":"x"}',
      'ProbeRepository.bySizeOrColour: no index for the filter {"$or":[{"size":2},{"colour":"red"}]}',
      'ProbeRepository.bySizeSortedByColour: no index for the sort {"colour":1}',
    ]);
  });
});

import 'reflect-metadata';
import { Schema, Types } from 'mongoose';
import { LocksRepository } from './common/locks/locks.repository';
import { LockSchema } from './common/locks/lock.schema';
import { DatasetsRepository } from './datasets/datasets.repository';
import { SeqBlocksRepository } from './datasets/seq-blocks.repository';
import { DatasetSchema } from './datasets/schemas/dataset.schema';
import { DatasetSeqKeySchema } from './datasets/schemas/dataset-seq-key.schema';
import { SeqBlockSchema } from './datasets/schemas/seq-block.schema';
import { AuditEventSchema } from './events/audit/audit-event.schema';
import { AuditEventsRepository } from './events/audit/audit-events.repository';
import { OutboxMarkerSchema } from './events/outbox/outbox-marker.schema';
import { OutboxMarkersRepository } from './events/outbox/outbox-markers.repository';
import { OwnerListsRepository } from './ownership/owner-lists.repository';
import { OwnerDatasetListSchema } from './ownership/schemas/owner-index.schema';
import { RecordsRepository } from './records/records.repository';
import { DatasetTagSchema, DatasetVersionSchema } from './records/schemas/dataset-version.schema';
import { RecordBucketSchema } from './records/schemas/record-bucket.schema';
import { RecordSeriesSchema } from './records/schemas/record-series.schema';
import { RecordUploadSchema } from './records/schemas/record-upload.schema';
import { VersionsRepository } from './records/versions/versions.repository';
import { ApiTokenSchema } from './tokens/schemas/api-token.schema';
import { TokensRepository } from './tokens/tokens.repository';
import { UserIdentitySchema } from './users/schemas/user-identity.schema';
import { UserSchema } from './users/schemas/user.schema';
import { UserIdentitiesRepository } from './users/user-identities.repository';
import { UsersRepository } from './users/users.repository';

/**
 * Every query shape a repository issues is served by an index its schema
 * declares, so that real MongoDB never scans a collection (FerretDB's SQLite
 * backend scans anyway, but for `_id`: see the README). Each repository is
 * built over recording models; every one of its methods is called — with
 * arguments chosen by parameter name, and with the variants below for the
 * searches — and each filter and sort it passes is checked against the
 * indexes. A new method whose parameters have no known name fails here until
 * it is given one, so no query goes unchecked.
 */

type Repository = new (...models: never[]) => object;
type Query = { where: string; filter: Record<string, unknown>; sort?: Record<string, unknown> };

/** Each model's schema, by the name its repository injects it under. */
const SCHEMAS: Record<string, Schema> = {
  Dataset: DatasetSchema,
  DatasetSeqKey: DatasetSeqKeySchema,
  SeqBlock: SeqBlockSchema,
  OwnerDatasetList: OwnerDatasetListSchema,
  User: UserSchema,
  UserIdentity: UserIdentitySchema,
  ApiToken: ApiTokenSchema,
  Lock: LockSchema,
  OutboxMarker: OutboxMarkerSchema,
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
  OwnerListsRepository,
  UsersRepository,
  UserIdentitiesRepository,
  TokensRepository,
  LocksRepository,
  OutboxMarkersRepository,
  AuditEventsRepository,
  RecordsRepository,
  VersionsRepository,
];

/** Reads of a whole collection on purpose, with the reason. */
const WHOLE_COLLECTION_READS: Record<string, string> = {
  'DatasetsRepository.backfillSeqKeys': 'once per boot: every dataset and key',
  'DatasetsRepository.idsWithWaitingEvents': "the outbox's periodic sweep for events a crash left unmarked",
  'UsersRepository.idsWithWaitingEvents': "the outbox's periodic sweep for events a crash left unmarked",
  'OutboxMarkersRepository.oldest': 'a small collection: only the entities whose events wait',
};

const id = new Types.ObjectId();
const datasetPage = { limit: 10, order: 'asc', sort: 'createdAt', tagMatch: 'all' };
const reader = { userId: id, admin: false };

/** An argument for each parameter name the repositories use. */
const ARGUMENTS: Record<string, unknown> = {
  ...Object.fromEntries(['id', 'userId', 'ownerId', 'to'].map((name) => [name, id])),
  ...Object.fromEntries(['ids', 'ownerIds', 'newIds', 'oldIds', 'keys', 'numbers'].map((name) => [name, [id, new Types.ObjectId()]])),
  ...Object.fromEntries(['key', 'token', 'name', 'subject', 'issuer', 'emailKey', 'nameKey', 'by', 'datasetId'].map((n) => [n, 'x'])),
  ...Object.fromEntries(['number', 'rev', 'seq', 'first', 'end', 'limit', 'version', 'exceptNumber'].map((name) => [name, 2])),
  ...Object.fromEntries(['before', 'cutoff', 'trashedAt', 'at', 'expiresAt'].map((name) => [name, new Date()])),
  ...Object.fromEntries(['docs', 'users', 'holdings', 'datasets', 'grants'].map((name) => [name, [{ _id: id, seq: 1 }]])),
  ...Object.fromEntries(
    ['event', 'next', 'dataset', 'user', 'holding', 'entry', 'upload', 'series', 'tag'].map((name) => [
      name,
      { _id: id, seq: 1, ownerId: id },
    ]),
  ),
  changes: { $set: { name: 'x' }, $unset: {} },
  edit: () => undefined,
  ref: { seq: 1 },
  '{ _id, seq }': { _id: id, seq: 1 },
  published: [{ id, eventIds: ['e'] }],
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

/** A model that records the filter and sort of every query and answers as an empty collection would. */
function recordingModel(modelName: string, queries: Query[], where: () => string): unknown {
  const answers: Record<string, unknown> = {
    find: [],
    findOne: null,
    findById: null,
    findOneAndUpdate: null,
    countDocuments: 0,
    updateOne: { matchedCount: 0, modifiedCount: 0 },
    updateMany: { matchedCount: 0, modifiedCount: 0 },
    deleteOne: { deletedCount: 0 },
    deleteMany: { deletedCount: 0 },
  };
  const chain = (query: Query, answer: unknown): unknown => {
    const self: Record<string, unknown> = {
      sort: (sort: Record<string, unknown>) => ((query.sort = sort), self),
      limit: () => self,
      skip: () => self,
      select: () => self,
      lean: () => self,
      exec: async () => answer,
      then: (resolve: (value: unknown) => unknown, reject: (error: unknown) => unknown) => Promise.resolve(answer).then(resolve, reject),
    };
    return self;
  };
  const model: Record<string, unknown> = {
    collection: {
      name: modelName,
      insertOne: async () => ({ acknowledged: true }),
      insertMany: async () => ({ acknowledged: true }),
    },
    bulkWrite: async (operations: Record<string, { filter: Record<string, unknown> }>[]) => {
      for (const operation of operations) for (const { filter } of Object.values(operation)) queries.push({ where: where(), filter });
      return {};
    },
  };
  for (const [method, answer] of Object.entries(answers)) {
    model[method] = (filter: unknown) => {
      const query: Query = {
        where: where(),
        filter: method === 'findById' ? { _id: filter } : ((filter ?? {}) as Record<string, unknown>),
      };
      queries.push(query);
      return chain(query, answer);
    };
  }
  return model;
}

/** The parameters of a method as written (names, or a destructuring pattern). */
function parameterNames(method: (...args: unknown[]) => unknown): string[] {
  const source = method.toString();
  const open = source.indexOf('(');
  let depth = 0;
  let current = '';
  const names: string[] = [];
  for (const char of source.slice(open + 1)) {
    if (char === '(' || char === '{' || char === '[') depth++;
    if (char === ')' && depth === 0) break;
    if (char === ')' || char === '}' || char === ']') depth--;
    if (char === ',' && depth === 0) {
      names.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) names.push(current.trim());
  return names.map((name) => name.replace(/\s*=.*$/s, '').replace(/\s+/g, ' '));
}

/** Calls every method of every repository; returns the queries they issued and the methods that cannot be called. */
async function issuedQueries(repositories: Repository[], schemas: Record<string, Schema>) {
  const queries: (Query & { schema: Schema })[] = [];
  const uncallable: string[] = [];
  for (const Repo of repositories) {
    const injected = (Reflect.getMetadata('self:paramtypes', Repo) ?? []) as { index: number; param: string }[];
    let where = '';
    const models = injected
      .sort((a, b) => a.index - b.index)
      .map(({ param }) => {
        const modelName = param.replace(/Model$/, '');
        const recorded: Query[] = [];
        const model = recordingModel(modelName, recorded, () => where);
        const schema = schemas[modelName];
        return { model, recorded, schema };
      });
    const repository = new Repo(...(models.map(({ model }) => model) as never[])) as Record<string, (...args: unknown[]) => unknown>;
    for (let prototype = Object.getPrototypeOf(repository); prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
        if (name === 'constructor' || typeof descriptor?.value !== 'function') continue;
        where = `${Repo.name}.${name}`;
        const params = parameterNames(descriptor.value as (...args: unknown[]) => unknown);
        const unknownParam = params.find((param) => !(param in ARGUMENTS));
        if (unknownParam && !VARIANTS[where]) {
          uncallable.push(`${where}(${unknownParam})`);
          continue;
        }
        for (const args of VARIANTS[where] ?? [params.map((param) => ARGUMENTS[param])]) {
          // What a method does with an empty collection's answers does not matter here, only what it asked.
          await (async () => repository[name](...args))().catch(() => undefined);
        }
      }
    }
    for (const { recorded, schema } of models) queries.push(...recorded.map((query) => ({ ...query, schema })));
  }
  return { queries, uncallable };
}

/** The fields a filter selects on, per alternative: a conjunction is served if one of its fields leads an index. */
function isServed(filter: Record<string, unknown>, leading: Set<string>): boolean {
  return Object.entries(filter).some(([key, value]) => {
    if (key === '$and') return (value as Record<string, unknown>[]).some((part) => isServed(part, leading));
    if (key === '$or') return (value as Record<string, unknown>[]).every((branch) => isServed(branch, leading));
    return leading.has(key);
  });
}

/** A sort is served when an index continues, after fields the filter names, with the sort's first field. */
function sortServed(sort: Record<string, unknown>, filter: Record<string, unknown>, indexes: string[][]): boolean {
  const [first] = Object.keys(sort);
  if (first === undefined || first === '_id') return true;
  const named = JSON.stringify(filter);
  return indexes.some((keys) => keys.find((key) => key === first || !named.includes(`"${key}"`)) === first);
}

/** Whether a filter selects on nothing (`{}`, `{ $and: [{}] }`): then only a sort along an index serves it. */
function selectsNothing(filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, value]) => key === '$and' && (value as Record<string, unknown>[]).every(selectsNothing));
}

function unindexed(queries: (Query & { schema: Schema })[]): string[] {
  return queries.flatMap(({ where, filter, sort, schema }) => {
    if (WHOLE_COLLECTION_READS[where]) return [];
    const indexes = [['_id'], ...schema.indexes().map(([keys]) => Object.keys(keys))];
    const leading = new Set(indexes.map(([first]) => first));
    const problems: string[] = [];
    const servedBySort = selectsNothing(filter) && sort !== undefined && leading.has(Object.keys(sort)[0]);
    if (!servedBySort && !isServed(filter, leading)) problems.push(`${where}: no index for the filter ${JSON.stringify(filter)}`);
    if (sort && !sortServed(sort, filter, indexes)) problems.push(`${where}: no index for the sort ${JSON.stringify(sort)}`);
    return problems;
  });
}

describe('Repository queries and indexes', () => {
  it('calls every repository method, and each query it issues is served by a declared index', async () => {
    const { queries, uncallable } = await issuedQueries(REPOSITORIES, SCHEMAS);
    expect(uncallable).toEqual([]);
    expect(queries.length).toBeGreaterThan(80);
    expect(unindexed(queries)).toEqual([]);
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
    const { queries, uncallable } = await issuedQueries([ProbeRepository], { Probe: schema });
    expect(uncallable).toEqual(['ProbeRepository.withNewParameter(shade)']);
    expect(unindexed(queries)).toEqual([
      'ProbeRepository.byColour: no index for the filter {"colour":"x"}',
      'ProbeRepository.bySizeOrColour: no index for the filter {"$or":[{"size":2},{"colour":"red"}]}',
      'ProbeRepository.bySizeSortedByColour: no index for the sort {"colour":1}',
    ]);
  });
});

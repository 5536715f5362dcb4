import { Logger } from '@nestjs/common';
import { Model, mongo } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { RegistryEvent } from '../contract';
import { AuditEvent } from './audit-event.schema';
import { bsonCopy } from '../../common/mongo/bson-copy';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditLog, InvalidEventError, parseEvent, toAuditEventDto } from './audit-log';
import { SearchEventsQueryDto } from './search-events-query.dto';

const registryEvent = (overrides: Partial<RegistryEvent> = {}): RegistryEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  type: 'dataset.deleted',
  version: 1,
  occurredAt: '2026-11-28T12:00:00.000Z',
  entity: 'dataset',
  entityId: '6650c0ffee0000000000d001',
  ownerId: '6650c0ffee0000000000a001',
  sequence: 4,
  data: { id: '6650c0ffee0000000000d001' },
  meta_string: 'dataset deleted',
  ...overrides,
});
const position = { topic: 'msg_collection', partition: 1, offset: '7' };

/** An AuditLog over a strict model: only `collection.insertOne`, `collection.name` and `find` are allowed. */
function setup(
  insertOne: (doc: AuditEvent) => Promise<unknown> = async () => undefined,
  rows: AuditEvent[] = [],
  insertManyDocs: (docs: AuditEvent[], options?: unknown) => Promise<unknown> = async () => undefined,
) {
  const insert = jest.fn(insertOne);
  const insertMany = jest.fn(insertManyDocs);
  const chain: Record<string, unknown> = strictMock('query', {
    sort: () => chain,
    limit: () => chain,
    lean: () => chain,
    exec: async () => rows,
  });
  const find = jest.fn((_filter: unknown) => chain);
  const model = strictMock<Model<AuditEvent>>('auditEvents', {
    collection: { insertOne: insert, insertMany, name: 'audit_events' },
    find,
  } as never);
  return { log: new AuditLog(new AuditEventsRepository(model)), insert, insertMany, find };
}

describe(parseEvent.name, () => {
  it.each([
    ['an object', registryEvent()],
    ['a JSON string', JSON.stringify(registryEvent())],
    ['a Buffer', Buffer.from(JSON.stringify(registryEvent()))],
  ])('reads %s', async (_, value) => {
    await expect(parseEvent(value)).resolves.toEqual(registryEvent());
  });

  it('lets fields it does not know through (a newer producer)', async () => {
    await expect(parseEvent({ ...registryEvent(), extra: 1 })).resolves.toMatchObject({ id: registryEvent().id });
  });

  it.each([
    ['bytes that are not JSON', Buffer.from('{nope'), 'value is not JSON'],
    ['a JSON array', '[1]', 'value is not a JSON object'],
    ['null', null, 'value is not a JSON object'],
    ['an object without an id', { ...registryEvent(), id: undefined }, 'not a registry event: '],
  ])('refuses %s with InvalidEventError', async (_, value, message) => {
    const refusal = parseEvent(value);
    await expect(refusal).rejects.toBeInstanceOf(InvalidEventError);
    await expect(refusal).rejects.toThrow(message);
  });
});

describe(AuditLog.name, () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('stores an event under its id, with its position and dates as Dates', async () => {
    const { log, insert } = setup();
    await expect(log.record(registryEvent(), position)).resolves.toBe('stored');
    expect(insert).toHaveBeenCalledTimes(1);
    const entry = insert.mock.calls[0][0];
    expect(entry).toMatchObject({ _id: registryEvent().id, ownerId: registryEvent().ownerId, sequence: 4 });
    expect(entry.occurredAt).toEqual(new Date('2026-11-28T12:00:00.000Z'));
    // The position and the time received are in the entry's copy.
    expect(toAuditEventDto(entry)).toMatchObject(position);
    expect(toAuditEventDto(entry).receivedAt).toBeInstanceOf(Date);
  });

  it('stores no ownerId for an event without one (user events)', async () => {
    const { log, insert } = setup();
    await log.record(registryEvent({ entity: 'user', ownerId: undefined }), position);
    expect(insert.mock.calls[0][0]).not.toHaveProperty('ownerId');
  });

  it('answers duplicate for an event already stored (redelivery), and logs nothing', async () => {
    const { log } = setup(async () => {
      throw Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
    });
    await expect(log.record(registryEvent(), position)).resolves.toBe('duplicate');
    expect(Logger.prototype.log).not.toHaveBeenCalled();
  });

  it('passes on any other store error (so the consumer retries)', async () => {
    const { log } = setup(async () => {
      throw new Error('connection lost');
    });
    await expect(log.record(registryEvent(), position)).rejects.toThrow('connection lost');
  });

  describe('many at once', () => {
    const second = registryEvent({ id: '00000000-0000-4000-8000-000000000001', sequence: 5 });
    const bulkError = (writeErrors: { index: number; code: number; errmsg: string }[]): Error =>
      Object.assign(new Error('bulk write failed'), { writeErrors });

    it('stores a batch with one unordered bulk insert, each under its event id', async () => {
      const { log, insertMany, insert } = setup();
      const failed = await log.recordMany([
        { event: registryEvent(), position },
        { event: second, position: { ...position, offset: '8' } },
      ]);
      expect(failed.size).toBe(0);
      expect(insert).not.toHaveBeenCalled();
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(insertMany.mock.calls[0][0].map((entry) => [entry._id, toAuditEventDto(entry).offset])).toEqual([
        [registryEvent().id, '7'],
        [second.id, '8'],
      ]);
      expect(insertMany.mock.calls[0][1]).toEqual({ ordered: false });
      expect(Logger.prototype.log).toHaveBeenCalledTimes(2);
    });

    it('stores an event that comes twice in one batch once (the first), and takes one already stored as done', async () => {
      const { log, insertMany } = setup(undefined, [], async () => {
        throw bulkError([{ index: 1, code: 11000, errmsg: 'E11000 duplicate key' }]);
      });
      const failed = await log.recordMany([
        { event: registryEvent(), position },
        { event: registryEvent(), position: { ...position, offset: '9' } },
        { event: second, position: { ...position, offset: '8' } },
      ]);
      expect(insertMany.mock.calls[0][0].map((entry) => [entry._id, toAuditEventDto(entry).offset])).toEqual([
        [registryEvent().id, '7'],
        [second.id, '8'],
      ]);
      expect(failed.size).toBe(0);
      expect(Logger.prototype.log).toHaveBeenCalledTimes(1); // `second` was already there
    });

    it('reports the entries refused for another reason by their position, and passes on a failed write', async () => {
      const { log } = setup(undefined, [], async () => {
        throw bulkError([{ index: 1, code: 2, errmsg: 'bad document' }]);
      });
      const failed = await log.recordMany([
        { event: registryEvent(), position },
        { event: second, position },
      ]);
      expect([...failed].map(([i, error]) => [i, error.message])).toEqual([[1, 'bad document']]);
      const down = setup(undefined, [], async () => Promise.reject(new Error('connection lost')));
      await expect(down.log.recordMany([{ event: registryEvent(), position }])).rejects.toThrow('connection lost');
    });
  });

  it('searches with one condition per filter given, the time range half-open', async () => {
    const { log, find } = setup();
    const query = {
      type: 'dataset.deleted',
      entity: 'dataset',
      ownerId: 'o',
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      limit: 10,
      order: 'asc',
    } as SearchEventsQueryDto;
    await log.search(query);
    expect(find).toHaveBeenCalledWith({
      $and: [
        { type: 'dataset.deleted' },
        { entity: 'dataset' },
        { ownerId: 'o' },
        { occurredAt: { $gte: new Date('2026-11-01T00:00:00Z'), $lt: new Date('2026-12-01T00:00:00Z') } },
      ],
    });
  });

  it("keeps an event's data as one binary value and answers it as sent, beside an earlier version's entry", async () => {
    const data = { id: 'd', name: 'n', tags: ['a'], fields: [{ name: 'v', type: 'number', unit: null }], seq: 3 };
    const { log, insert } = setup();
    await log.record(registryEvent({ type: 'dataset.created', data }), position);
    const entry = insert.mock.calls[0][0];
    expect(entry.data).toBeUndefined();
    expect(entry.dataCopy).toBeUndefined();
    expect(Buffer.isBuffer(entry.copy)).toBe(true);
    // As the driver reads it back: a Binary.
    const stored = { ...entry, copy: new mongo.Binary(entry.copy as Buffer) };
    // The same entry as earlier versions stored it: each field on its own, the data as its own binary value or a subdocument.
    const { version, meta_string, topic, partition, offset, receivedAt, actor } = toAuditEventDto(entry);
    const fields: AuditEvent = { ...entry, version, meta_string, topic, partition, offset, receivedAt, ...(actor ? { actor } : {}) };
    delete fields.copy;
    const earlier: AuditEvent = { ...fields, _id: 'earlier', dataCopy: bsonCopy(data) };
    const older: AuditEvent = { ...fields, _id: 'older', data };
    const page = await setup(undefined, [stored, earlier, older]).log.search({ limit: 10, order: 'asc' });
    expect(page.items.map((item) => item.data)).toEqual([data, data, data]);
    const answered = page.items.map(({ id, ...item }) => ({ ...item, id: id.replace(/^(earlier|older)$/, entry._id) }));
    expect(answered).toEqual([answered[0], answered[0], answered[0]]);
  });

  it('searches everything without filters, and answers the stored entries as DTOs', async () => {
    const stored = {
      ...registryEvent(),
      _id: registryEvent().id,
      occurredAt: new Date(registryEvent().occurredAt),
      receivedAt: new Date(),
      ...position,
    } as unknown as AuditEvent;
    const { log, find } = setup(undefined, [stored]);
    const page = await log.search({ limit: 10, order: 'asc' });
    expect(find).toHaveBeenCalledWith({ $and: [{}] });
    expect(page).toEqual({ items: [toAuditEventDto(stored)], nextCursor: null });
    expect(page.items[0]).toMatchObject({ id: stored._id, occurredAt: registryEvent().occurredAt, ownerId: registryEvent().ownerId });
  });
});

import { mongo } from 'mongoose';
import { bsonCopies, bsonCopy, fromBsonCopies, fromBsonCopy } from './bson-copy';

describe('BSON copies', () => {
  const event = {
    id: 'event-1',
    type: 'dataset.created',
    entity: 'dataset',
    entityId: '6650c0ffee0000000000a001',
    sequence: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: { seq: 2 ** 40, ratio: 0.5, name: 'n', tags: ['a'], fields: [{ name: 'v', type: 'number', unit: null }], empty: {} },
  };

  it('gives back the event stored, whether read as a Binary or as bytes', () => {
    const copy = bsonCopy(event);
    expect(Buffer.isBuffer(copy)).toBe(true);
    expect(fromBsonCopy(copy)).toStrictEqual(event);
    expect(fromBsonCopy(new mongo.Binary(copy))).toStrictEqual(event);
  });

  it('is the BSON the driver stores for the event itself', () => {
    expect(bsonCopy(event).equals(Buffer.from(mongo.BSON.serialize(event)))).toBe(true);
  });

  it('gives back several values kept as one, in order, whether read as a Binary or as bytes', () => {
    const values = [event, { ...event, id: 'event-2', data: {} }, { only: 'x' }];
    const copies = bsonCopies(values.map((value) => bsonCopy(value)));
    expect(fromBsonCopies(copies)).toStrictEqual(values);
    expect(fromBsonCopies(new mongo.Binary(copies))).toStrictEqual(values);
    expect(fromBsonCopies(bsonCopies([]))).toStrictEqual([]);
  });
});

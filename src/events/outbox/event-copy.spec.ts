import { mongo } from 'mongoose';
import { copyOf, eventOf } from './event-copy';
import { OutboxEvent } from './event-factory';

describe('event copies', () => {
  const event = {
    id: 'event-1',
    type: 'dataset.created',
    entity: 'dataset',
    entityId: '6650c0ffee0000000000a001',
    sequence: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: { seq: 2 ** 40, ratio: 0.5, name: 'n', tags: ['a'], fields: [{ name: 'v', type: 'number', unit: null }], empty: {} },
  } as unknown as OutboxEvent;

  it('gives back the event stored, whether read as a Binary or as bytes', () => {
    const copy = copyOf(event);
    expect(Buffer.isBuffer(copy)).toBe(true);
    expect(eventOf(copy)).toStrictEqual(event);
    expect(eventOf(new mongo.Binary(copy))).toStrictEqual(event);
  });

  it('is the BSON the driver stores for the event itself', () => {
    expect(copyOf(event).equals(Buffer.from(mongo.BSON.serialize(event)))).toBe(true);
  });
});

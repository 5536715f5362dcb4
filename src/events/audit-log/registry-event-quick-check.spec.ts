import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { VALIDATION_OPTIONS } from '../../common/validation/validation.pipe';
import { EVENT_TYPES } from '../contract';
import { parseEvent } from './audit-log';
import { RegistryEventDto } from './registry-event.dto';
import { quickRegistryEvent } from './registry-event-quick-check';

const ID = '6650c0ffee0000000000d001';

const valid = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: '3f1c2a9e-8d6b-4c1e-9f43-2b8f1e0c7a55',
  type: 'dataset.created',
  version: 1,
  occurredAt: '2026-11-28T12:00:00.000Z',
  entity: 'dataset',
  entityId: ID,
  ownerId: '6650c0ffee0000000000a001',
  actor: { type: 'user', userId: '6650c0ffee0000000000a001', via: 'api-token', tokenId: 'abc' },
  sequence: 1,
  data: { id: ID, name: 'power', tags: ['a'], fields: [{ name: 'value', type: 'number' }] },
  meta_string: 'data_collection is getting updated; power (#1) is getting appended',
  ...overrides,
});

/** What parseEvent's full path decides: the DTO's validation as the consumer runs it. */
async function validatorTakes(value: unknown): Promise<boolean> {
  const errors = await validate(plainToInstance(RegistryEventDto, value), { ...VALIDATION_OPTIONS, forbidNonWhitelisted: false });
  return errors.length === 0;
}

/** Events the DTO accepts: the shortcut must take each, as it is. */
const ACCEPTED: Record<string, unknown>[] = [
  valid(),
  valid({ ownerId: undefined, actor: undefined }),
  valid({ ownerId: null, actor: null }),
  valid({ actor: { type: 'system', name: 'bootstrap-admin' } }),
  valid({ id: 'x', sequence: 9_007_199_254_740_991, data: {} }),
  valid({ id: 'i'.repeat(128), meta_string: 'm'.repeat(2000), entityId: ID.toUpperCase() }),
  valid({ occurredAt: '2024-02-29T23:59:59.999Z' }),
  valid({ occurredAt: '1000-01-01T00:00:00.000Z' }),
  ...EVENT_TYPES.map((type) => valid({ type, entity: type.split('.')[0] })),
];

/** Events the DTO refuses (or may): the shortcut must leave each to the validator. */
const REFUSED: unknown[] = [
  valid({ id: '' }),
  valid({ id: 'i'.repeat(129) }),
  valid({ id: 7 }),
  valid({ type: 'dataset.renamed' }),
  valid({ version: 2 }),
  valid({ version: '1' }),
  valid({ occurredAt: '2026-02-30T12:00:00.000Z' }),
  valid({ occurredAt: 'yesterday' }),
  valid({ occurredAt: 1_700_000_000_000 }),
  valid({ entity: 'record' }),
  valid({ entityId: 'not an id' }),
  valid({ entityId: `${ID}0` }),
  valid({ ownerId: 'x' }),
  valid({ actor: 'someone' }),
  valid({ actor: [] }),
  valid({ sequence: 0 }),
  valid({ sequence: 1.5 }),
  valid({ sequence: '1' }),
  valid({ data: null }),
  valid({ data: [1] }),
  valid({ data: 'state' }),
  valid({ meta_string: 'm'.repeat(2001) }),
  valid({ meta_string: undefined }),
  valid({ id: undefined }),
];

/** Events not plainly as the contract writes them, whatever the validator makes of them: the shortcut leaves them to it. */
const DOUBTFUL: unknown[] = [
  valid({ origin: { requestId: 'r' } }),
  valid({ occurredAt: '2026-11-28T12:00:00Z' }),
  valid({ occurredAt: '0999-01-01T00:00:00.000Z' }),
  valid({ entityId: `0x${ID.slice(2)}` }),
  valid({ data: new Map() }),
  Object.assign(Object.create({ inherited: 1 }) as object, valid()),
  JSON.parse(`{"__proto__":{"a":1},${JSON.stringify(valid()).slice(1)}`),
];

describe(quickRegistryEvent.name, () => {
  it.each(ACCEPTED.map((event, i) => [i, event]))('takes accepted event %i as it is', async (_, event) => {
    expect(await validatorTakes(event)).toBe(true);
    expect(quickRegistryEvent(event)).toBe(event);
  });

  it.each(REFUSED.map((event, i) => [i, event]))('leaves refused event %i to the validator', async (_, event) => {
    expect(quickRegistryEvent(event)).toBeUndefined();
    expect(await validatorTakes(event)).toBe(false);
  });

  it.each(DOUBTFUL.map((event, i) => [i, event]))('leaves doubtful event %i to the validator', (_, event) => {
    expect(quickRegistryEvent(event)).toBeUndefined();
  });

  it('never takes an event the validator refuses, over random events', async () => {
    const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];
    const choices: Record<string, unknown[]> = {
      id: ['x', '', 'i'.repeat(129), 7, null],
      type: ['user.created', 'dataset.tagged', 'user', null],
      version: [1, 2, '1', null],
      occurredAt: ['2026-11-28T12:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-11-28', '2026-11-28T24:00:00.000Z', 0, null],
      entity: ['user', 'dataset', 'other', null],
      entityId: [ID, ID.toUpperCase(), ID.slice(1), 'zz'.repeat(12), null],
      ownerId: [ID, 'x', null],
      actor: [{ type: 'system', name: 'x' }, 'x', [], null],
      sequence: [1, 0, -1, 2.5, '2', null],
      data: [{}, { a: 1 }, [], 'x', null],
      meta_string: ['m', '', 'm'.repeat(2001), 3, null],
      extra: [1, 'x'],
    };
    let taken = 0;
    for (let i = 0; i < 2000; i++) {
      const event: Record<string, unknown> = valid();
      for (const [key, values] of Object.entries(choices)) {
        if (Math.random() < 0.15) event[key] = pick(values);
        if (Math.random() < 0.03) delete event[key];
      }
      const quick = quickRegistryEvent(event);
      if (quick === undefined) continue;
      taken++;
      expect(await validatorTakes(event)).toBe(true);
    }
    expect(taken).toBeGreaterThan(50);
  });
});

describe(parseEvent.name, () => {
  it('returns a plainly valid event as parsed', async () => {
    const event = valid();
    await expect(parseEvent(Buffer.from(JSON.stringify(event)))).resolves.toEqual(event);
  });

  it('still words the refusal of an event the shortcut leaves to the validator', async () => {
    await expect(parseEvent(JSON.stringify(valid({ sequence: 0 })))).rejects.toThrow(/sequence must not be less than 1/);
  });
});

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { EVENT_SCHEMA_FILE, eventSchemaValidator } from '../testing/event-schema';
import { newEvent } from '../outbox/event-factory';
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER } from '../../telemetry/trace-context';
import { EVENT_ENTITIES, EVENT_TYPE_HEADER, EVENT_TYPES, EVENT_VERSION, EVENT_VERSION_HEADER } from './registry-event';

const schema = JSON.parse(readFileSync(EVENT_SCHEMA_FILE, 'utf8'));
const v1Examples = JSON.parse(readFileSync(path.resolve(__dirname, '../../../test/fixtures/events.v1.json'), 'utf8')) as unknown[];
const validate = eventSchemaValidator();

/**
 * The event envelope is a public contract. The committed schema, the
 * TypeScript types and the events the code builds must agree; and the
 * version-1 examples must stay valid: a schema change that breaks them is
 * incompatible and needs a new version (and new examples).
 */
describe('event contract', () => {
  it('the schema and the code name the same version, types and entities', () => {
    expect(schema.properties.version.const).toBe(EVENT_VERSION);
    expect(schema.properties.type.enum).toEqual([...EVENT_TYPES]);
    expect(schema.properties.entity.enum).toEqual([...EVENT_ENTITIES]);
  });

  it('accepts every version-1 example, one of each event type', () => {
    expect(new Set(v1Examples.map((event) => (event as { type: string }).type))).toEqual(new Set(EVENT_TYPES));
    for (const example of v1Examples) {
      expect(validate(example) ? 'valid' : validate.errors).toBe('valid');
    }
  });

  it('rejects what is not an event', () => {
    const [example] = v1Examples as Record<string, unknown>[];
    expect(validate({ ...example, version: 2 })).toBe(false);
    expect(validate({ ...example, type: 'user.renamed' })).toBe(false);
    expect(validate({ ...example, entityId: 'abc' })).toBe(false);
    expect(validate({ ...example, data: { ...(example.data as object), password: 'x' } })).toBe(false);
  });

  it('describes the events the code builds', () => {
    const id = '6650c0ffee0000000000d001';
    const event = newEvent('dataset.deleted', id, 3, { id, seq: 9, ownerId: '6650c0ffee0000000000a001' }, '6650c0ffee0000000000a001');
    expect(validate(event) ? 'valid' : validate.errors).toBe('valid');
    expect(event.meta_string).toBe(
      `data_collection is getting updated; dataset #9 with id ${id} is getting removed from user 6650c0ffee0000000000a001`,
    );
  });

  it('describes the trash events the code builds, with the dataset, trashedAt and purgeAt', () => {
    const id = '6650c0ffee0000000000d002';
    const ownerId = '6650c0ffee0000000000a001';
    const state = {
      id,
      seq: 2,
      ownerId,
      name: 'weather',
      tags: [],
      fields: [],
      createdAt: '2026-12-01T12:00:00.000Z',
      updatedAt: '2026-12-01T12:00:00.000Z',
    };
    const trashed = newEvent(
      'dataset.trashed',
      id,
      2,
      { dataset: state, trashedAt: '2026-12-03T12:00:00.000Z', purgeAt: '2027-01-02T12:00:00.000Z' },
      ownerId,
    );
    const restored = newEvent('dataset.restored', id, 3, state, ownerId);
    for (const event of [trashed, restored]) expect(validate(event) ? 'valid' : validate.errors).toBe('valid');
    expect(trashed.meta_string).toBe(
      `data_collection is getting updated; weather (#2) with id ${id} is getting moved to the trash of user ${ownerId} until 2027-01-02T12:00:00.000Z`,
    );
    // The schema holds each type to its own payload: a trashing without purgeAt, or a restore carrying the trash shape, is no event.
    expect(validate({ ...trashed, data: { dataset: state, trashedAt: '2026-12-03T12:00:00.000Z' } })).toBe(false);
    expect(validate({ ...restored, data: trashed.data })).toBe(false);
  });

  it('the AsyncAPI document publishes that schema on the msg_collection channel', () => {
    const asyncapi = parse(readFileSync(path.resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
    expect(asyncapi.channels.msgCollection.address).toBe('msg_collection');
    expect(asyncapi.components.messages.registryEvent.payload.schema.$ref).toBe('./events.schema.json');
    expect(asyncapi.info.version.split('.')[0]).toBe(String(EVENT_VERSION));
  });

  it('the AsyncAPI document names every header a registry event is sent with, the trace context included', () => {
    const asyncapi = parse(readFileSync(path.resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
    const documented = Object.keys(asyncapi.components.messages.registryEvent.headers.properties).sort();
    expect(documented).toEqual([EVENT_TYPE_HEADER, EVENT_VERSION_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER, REQUEST_ID_HEADER].sort());
    expect(asyncapi.components.messages.registryEvent.headers.required).toEqual([EVENT_TYPE_HEADER, EVENT_VERSION_HEADER]);
  });
});

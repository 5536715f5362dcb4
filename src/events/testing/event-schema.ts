import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const EVENT_SCHEMA_FILE = path.resolve(__dirname, '../../../docs/events.schema.json');

/** The committed JSON Schema of the event envelope, compiled. */
export function eventSchemaValidator(): ValidateFunction {
  // strictRequired off: the if/then branches require properties declared at the top level.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(EVENT_SCHEMA_FILE, 'utf8')));
}

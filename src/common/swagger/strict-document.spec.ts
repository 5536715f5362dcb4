import { OpenAPIObject } from '@nestjs/swagger';
import { ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { generateOpenApiDocument as generateDocument } from '../../testing/openapi-document';
import { CreateDatasetDto, DatasetFieldDto } from '../../datasets/dto/create-dataset.dto';
import { SearchDatasetsQueryDto } from '../../datasets/dto/search-datasets-query.dto';
import { UpdateDatasetDto } from '../../datasets/dto/update-dataset.dto';
import { SearchEventsQueryDto } from '../../events/audit-log/search-events-query.dto';
import { CreateUserDto } from '../../users/dto/create-user.dto';
import { SearchUsersQueryDto } from '../../users/dto/search-users-query.dto';
import { UpdateUserDto } from '../../users/dto/update-user.dto';
import { VALIDATION_OPTIONS } from '../validation/validation.pipe';

/**
 * The OpenAPI document must accept exactly what the validators accept, or
 * generated clients and fuzzers send requests the server refuses (and the
 * other way round). For every property of the request bodies and every query
 * parameter, probe values are judged twice — by the document's schema (ajv)
 * and by class-validator — and the verdicts must agree.
 */
const STRING_PROBES = [
  '',
  'a',
  'Aaron',
  ' a',
  'a ',
  'a b',
  'a\u0000b',
  'a\tb',
  'a\nb',
  'a\r\nb',
  '\u001b[31m',
  'x\u0085',
  '\u00a0x',
  'x\ufeff',
  'x\u2028',
  '\ud83d\ude00',
  'é',
  '6650c0ffee0000000000a001',
  '6650C0FFEE0000000000A001',
  '6650c0ffee0000000000a00',
  'zz50c0ffee0000000000a001',
  '2026-01-01T00:00:00Z',
  '2026-01-01t00:00:00.123+02:00',
  '2026-01-01 00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00:00',
  'aaron@example.com',
  'a+b@x.io',
  'a@b',
  '@x.io',
  'a@-x.io',
  '1m',
  '15m',
  '0m',
  '1y',
  'createdAt',
  'name',
  'seq',
  'asc',
  'all',
  'any',
  'user',
  'dataset',
  'user.created',
  'energy',
  'a,b',
  'x'.repeat(32),
  'x'.repeat(33),
  'x'.repeat(100),
  'x'.repeat(101),
  'x'.repeat(200),
  'x'.repeat(201),
  'x'.repeat(254),
  'x'.repeat(255),
  'x'.repeat(2048),
  'x'.repeat(2049),
  'x'.repeat(4000),
  'x'.repeat(4001),
  'timestamp',
  '__proto__',
];
const VALUE_PROBES: unknown[] = [
  ...STRING_PROBES,
  0,
  1,
  -1,
  1.5,
  true,
  [],
  ['energy'],
  ['energy', 'energy'],
  ['a b'],
  [{ name: 'kw', type: 'number' }],
  [{ name: 'kw', type: 'date' }],
  {},
  { team: 'energy' },
  { team: 'a\u0000' },
  { team: 1 },
];

function schemaValidator(document: OpenAPIObject): (schema: SchemaObject, value: unknown) => boolean {
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'doc');
  return (schema, value) => ajv.validate(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')), value);
}

function classAccepts(dto: new () => object, property: string, value: unknown): boolean {
  const instance = plainToInstance(dto, { [property]: value });
  const errors = validateSync(instance, { ...VALIDATION_OPTIONS, skipMissingProperties: true });
  return !errors.some((error) => error.property === property);
}

/** How a query parameter travels: a string, decimal digits for integers, comma-separated items for arrays. */
function queryValue(schema: SchemaObject, text: string): unknown {
  if (schema.type === 'integer') return /^-?[0-9]{1,15}$/.test(text) ? Number(text) : text;
  if (schema.type === 'array') return text.split(',');
  return text;
}

describe('OpenAPI document against the validators', () => {
  let document: OpenAPIObject;
  let schemaAccepts: (schema: SchemaObject, value: unknown) => boolean;

  beforeAll(async () => {
    document = await generateDocument();
    schemaAccepts = schemaValidator(document);
  });

  it.each([CreateUserDto, UpdateUserDto, CreateDatasetDto, UpdateDatasetDto, DatasetFieldDto])('%p: every body property', (dto) => {
    const component = document.components?.schemas?.[dto.name] as SchemaObject;
    const disagreements: string[] = [];
    for (const [property, schema] of Object.entries(component.properties ?? {})) {
      for (const probe of VALUE_PROBES) {
        const bySchema = schemaAccepts(schema as SchemaObject, probe);
        if (bySchema !== classAccepts(dto, property, probe))
          disagreements.push(`${property}=${JSON.stringify(probe).slice(0, 40)}: schema says ${bySchema}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it.each([
    ['/users', SearchUsersQueryDto],
    ['/datasets', SearchDatasetsQueryDto],
    ['/events', SearchEventsQueryDto],
  ] as const)('GET %s: every query parameter', (path, dto) => {
    const parameters = (document.paths[path].get?.parameters ?? []) as ParameterObject[];
    const disagreements: string[] = [];
    for (const parameter of parameters.filter((p) => p.in === 'query' && p.name !== 'cursor')) {
      const schema = parameter.schema as SchemaObject;
      for (const probe of [...STRING_PROBES, '16', '0x10', '1e1', '0', '200', '201']) {
        const value = queryValue(schema, probe);
        const bySchema = schemaAccepts(schema, value);
        if (bySchema !== classAccepts(dto, parameter.name, probe))
          disagreements.push(`${parameter.name}=${JSON.stringify(probe).slice(0, 40)}: schema says ${bySchema}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  // The one rule the document leaves out (see text.ts): a JSON Schema string is Unicode text, which holds no lone surrogate.
  it.each([CreateUserDto, UpdateUserDto, CreateDatasetDto, DatasetFieldDto])(
    '%p: lone surrogates are refused in every text property',
    (dto) => {
      const component = document.components?.schemas?.[dto.name] as SchemaObject;
      const textProperties = Object.entries(component.properties ?? {}).filter(([, schema]) =>
        (schema as SchemaObject).pattern?.includes('\\u0000'),
      );
      expect(textProperties.length).toBeGreaterThan(0);
      for (const [property] of textProperties) {
        for (const probe of ['a\ud800', '\udc00a', 'a\udbff\udbffb'])
          expect([property, classAccepts(dto, property, probe)]).toEqual([property, false]);
      }
    },
  );

  it('refuses undeclared properties and empty PATCH bodies in the document too', () => {
    const schemas = document.components?.schemas as Record<string, SchemaObject>;
    for (const name of ['CreateUserDto', 'UpdateUserDto', 'CreateDatasetDto', 'UpdateDatasetDto', 'DatasetFieldDto']) {
      expect(schemas[name].additionalProperties).toBe(false);
    }
    expect(schemas.UpdateUserDto.minProperties).toBe(1);
    expect(schemas.UpdateDatasetDto.minProperties).toBe(1);
  });
});

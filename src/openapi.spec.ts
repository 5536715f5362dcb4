import { OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateOpenApiDocument as generateDocument } from './testing/openapi-document';

export const OPENAPI_FILE = path.resolve(__dirname, '../docs/openapi.json');

/**
 * The OpenAPI document is committed (docs/openapi.json) so that API changes
 * show up in review. This test fails when the code and the file disagree;
 * `npm run openapi` rewrites the file.
 */
describe('OpenAPI document', () => {
  it('matches docs/openapi.json', async () => {
    const generated = `${JSON.stringify(await generateDocument(), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(OPENAPI_FILE, generated);
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    expect(JSON.parse(generated)).toEqual(JSON.parse(committed));
  });

  it('marks every query parameter that has a default as optional', async () => {
    const document = await generateDocument();
    const requiredWithDefault = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        ((operation as OperationObject).parameters ?? [])
          .map((parameter) => parameter as ParameterObject)
          .filter(
            (parameter) => parameter.in === 'query' && parameter.required && (parameter.schema as SchemaObject)?.default !== undefined,
          )
          .map((parameter) => `${method.toUpperCase()} ${route} ?${parameter.name}`),
      ),
    );
    expect(requiredWithDefault).toEqual([]);
  });

  it('documents every error answer as the JSON error body alone, whatever media types the success has', async () => {
    const document = await generateDocument();
    const otherMediaTypes = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        Object.entries((operation as OperationObject).responses ?? {})
          .filter(([status]) => Number(status) >= 400)
          .filter(([, response]) => Object.keys((response as { content?: object }).content ?? {}).join() !== 'application/json')
          .map(([status]) => `${method.toUpperCase()} ${route} ${status}`),
      ),
    );
    expect(otherMediaTypes).toEqual([]);
  });

  it('links each operation that consumes a resource from the one that makes it, by operation ids that exist', async () => {
    const document = await generateDocument();
    const operationIds = new Set(
      Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => (operation as OperationObject).operationId)),
    );
    const links = Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) =>
        Object.values((operation as OperationObject).responses ?? {}).flatMap((response) =>
          Object.values((response as { links?: Record<string, { operationId: string }> }).links ?? {}),
        ),
      ),
    );
    const targets = links.map((link) => link.operationId);
    expect(targets).toEqual(
      expect.arrayContaining([
        'DatasetsController_restoreDataset',
        'DatasetSharingController_revokeAccess',
        'VersionsController_removeTag',
        'VersionsController_remove',
      ]),
    );
    expect(targets.filter((id) => !operationIds.has(id))).toEqual([]);
  });
});

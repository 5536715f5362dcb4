import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtension, OpenAPIObject } from '@nestjs/swagger';
import { ExamplesObject, RequestBodyObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const EXTENSION = 'x-request-media-schemas';

/**
 * A request body whose schema depends on its media type (a JSON array of
 * points, but CSV or NDJSON text): @nestjs/swagger gives every media type of
 * a route one schema, so the schemas ride in an extension until
 * withRequestMediaSchemas puts each under its media type.
 */
export function ApiRequestMediaSchemas(schemas: Record<string, SchemaObject>, examples?: ExamplesObject): MethodDecorator {
  const mediaTypes = Object.keys(schemas);
  return applyDecorators(
    ApiConsumes(...mediaTypes),
    ApiBody({ schema: schemas[mediaTypes[0]], ...(examples ? { examples } : {}) }),
    ApiExtension(EXTENSION, schemas),
  );
}

export function withRequestMediaSchemas(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.patch, item.delete]) {
      const extended = operation as unknown as Record<string, unknown> | undefined;
      const schemas = extended?.[EXTENSION] as Record<string, SchemaObject> | undefined;
      if (!operation || !extended || !schemas) continue;
      delete extended[EXTENSION];
      const body = operation.requestBody as RequestBodyObject | undefined;
      for (const [mediaType, schema] of Object.entries(schemas)) {
        if (body?.content[mediaType]) body.content[mediaType].schema = schema;
      }
    }
  }
  return document;
}

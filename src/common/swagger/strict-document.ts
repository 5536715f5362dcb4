import { OpenAPIObject } from '@nestjs/swagger';
import { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { getMetadataStorage } from 'class-validator';
import { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { DtoClass, requiresAField } from '../validation/declared-keys';

/**
 * Adds what the body validators enforce beyond each property's schema (`additionalProperties: false`,
 * `minProperties: 1` on PATCH bodies, `nullable`), read from their metadata. Why: docs/api.md#the-rest-api.
 */
export function tightenRequestSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  for (const [target, metadatas] of validatedClasses()) {
    const schema = schemas[target.name] as SchemaObject | undefined;
    if (!schema || schema.type !== 'object') continue;
    schema.additionalProperties = false;
    if (requiresAField(target)) schema.minProperties = 1;
    for (const meta of metadatas) {
      const property = schema.properties?.[meta.propertyName] as SchemaObject | undefined;
      if (property && meta.name === 'isOptional') markNullable(schema, meta.propertyName, property);
    }
  }
  return document;
}

function validatedClasses(): Map<DtoClass, ValidationMetadata[]> {
  return (getMetadataStorage() as unknown as { validationMetadatas: Map<DtoClass, ValidationMetadata[]> }).validationMetadatas;
}

/** A $ref cannot carry siblings in OpenAPI 3.0: a nullable reference is wrapped in allOf. */
function markNullable(schema: SchemaObject, name: string, property: SchemaObject & { $ref?: string }): void {
  if (property.$ref) {
    const { $ref, ...rest } = property;
    (schema.properties as Record<string, SchemaObject>)[name] = { ...rest, allOf: [{ $ref }], nullable: true };
  } else {
    property.nullable = true;
  }
}

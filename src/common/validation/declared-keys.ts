import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import { FieldErrorDto } from '../errors/error-response.dto';

/** A DTO class, as class-validator and class-transformer key their metadata. */
export type DtoClass = abstract new (...args: never[]) => unknown;

/**
 * The keys of a request body or query, as received, that `dto` does not
 * declare — through nested DTOs too. Needed because class-transformer drops
 * keys named like Object.prototype members (`constructor`, `toString`…) and
 * class-validator's whitelist looks names up in a plain object where those
 * are found, so either way they would pass silently.
 */
export function undeclaredKeys(value: unknown, dto: DtoClass, path = ''): FieldErrorDto[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => undeclaredKeys(item, dto, join(path, String(i))));
  if (typeof value !== 'object' || value === null) return [];
  const declared = declaredProperties(dto);
  return Object.keys(value).flatMap((key) => {
    const field = join(path, key);
    if (!declared.has(key)) return [{ field, messages: [`property ${field} should not exist`] }];
    // Only nested DTOs are walked: plain maps such as `attributes` have validators of their own.
    const nested = defaultMetadataStorage.findTypeMetadata(dto, key)?.typeFunction();
    return typeof nested === 'function' ? undeclaredKeys((value as Record<string, unknown>)[key], nested as DtoClass, field) : [];
  });
}

const cache = new Map<DtoClass, Set<string>>();

function declaredProperties(target: DtoClass): Set<string> {
  let names = cache.get(target);
  if (!names) {
    names = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', true, false)
        .map((meta) => meta.propertyName),
    );
    cache.set(target, names);
  }
  return names;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Marks a PATCH body DTO: a body that names no field is a 400, not a silent no-op. */
export const REQUIRES_A_FIELD = Symbol('requires-a-field');

export function RequiresAField(): ClassDecorator {
  return (target) => Reflect.defineMetadata(REQUIRES_A_FIELD, true, target);
}

export function requiresAField(target: unknown): boolean {
  return typeof target === 'function' && Reflect.getMetadata(REQUIRES_A_FIELD, target) === true;
}

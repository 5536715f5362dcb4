import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldErrorDto } from '../errors/error-response.dto';
import { undeclaredKeys } from './declared-keys';
import { flattenValidationErrors, VALIDATION_OPTIONS } from './validation.pipe';

export type ItemValidation<T> = { ok: true; value: T } | { ok: false; message: string; details: FieldErrorDto[] };

/**
 * Validates one item of a bulk request with the same rules as the global
 * pipe, so that a bad item can be reported alone instead of failing the batch.
 */
export async function validateItem<T extends object>(dto: new () => T, item: unknown): Promise<ItemValidation<T>> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    const message = 'item must be a JSON object';
    return { ok: false, message, details: [{ field: '', messages: [message] }] };
  }
  const value = plainToInstance(dto, item);
  const errors = await validate(value, VALIDATION_OPTIONS);
  const details = errors.length > 0 ? flattenValidationErrors(errors) : undeclaredKeys(item, dto);
  if (details.length === 0) return { ok: true, value };
  return { ok: false, message: `Validation failed: ${details.flatMap((d) => d.messages).join('; ')}`, details };
}

import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidatorOptions } from 'class-validator';
import { FieldErrorDto } from '../errors/error-response.dto';
import { requiresAField, undeclaredKeys } from './declared-keys';
import { fieldError } from '../errors/field-error';

/**
 * The global pipe: DTOs are transformed, unknown fields are rejected, and the
 * 400 body names every offending field (nested ones as `fields.0.type`).
 */
export const VALIDATION_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
};

/** Validates bodies and query strings; route parameters have their own parsing pipes. */
class DtoValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Route parameters reach their own pipe as sent: Nest would turn a `number` one into +value ('1.0', '0x1' → 1).
    if (metadata.type === 'param') return value;
    // Else an array body is validated as an object whose keys are 0, 1, …: "property 0 should not exist".
    if (Array.isArray(value) && this.toValidate(metadata)) {
      throw new BadRequestException('the JSON body must be an object, not an array');
    }
    if (metadata.type === 'body' && requiresAField(metadata.metatype) && isEmptyObject(value)) {
      const message = 'the body must name at least one field to change';
      throw new BadRequestException(fieldError('body', message));
    }
    // Before super.transform: Nest deletes `constructor` and `prototype` keys from the value in place.
    const undeclared = this.toValidate(metadata) && metadata.metatype ? undeclaredKeys(value, metadata.metatype) : [];
    let transformed: unknown;
    try {
      transformed = await super.transform(value, metadata);
    } catch (error) {
      if (undeclared.length === 0 || !(error instanceof BadRequestException)) throw error;
      const { details = [] } = error.getResponse() as { details?: FieldErrorDto[] };
      throw validationFailed([...details.filter((detail) => !undeclared.some((u) => u.field === detail.field)), ...undeclared]);
    }
    if (undeclared.length > 0) throw validationFailed(undeclared);
    return transformed;
  }

  protected override toValidate(metadata: ArgumentMetadata): boolean {
    return (metadata.type === 'body' || metadata.type === 'query') && super.toValidate(metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new DtoValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}

export function validationFailed(details: FieldErrorDto[]): BadRequestException {
  const summary = details.flatMap((detail) => detail.messages).join('; ');
  return new BadRequestException({ message: `Validation failed: ${summary}`, details });
}

/** No body at all reaches the pipe as `{}` (express's default), like an empty JSON object. */
function isEmptyObject(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldErrorDto[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own: FieldErrorDto[] = error.constraints ? [{ field, messages: relevantMessages(error, field) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Constraints that say what kind of value a field takes. */
const TYPE_CONSTRAINTS = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'isDate']);

/**
 * class-validator reports every constraint a value breaks, so a missing name
 * reads "must be shorter than 200 characters; should not be empty; must be a
 * string". Say only what the client has to fix first: that the field is
 * missing, else that its type is wrong, else everything it breaks.
 */
function relevantMessages(error: ValidationError, field: string): string[] {
  const constraints = error.constraints ?? {};
  if (!('whitelistValidation' in constraints)) {
    if (error.value === undefined) return [`${field} is required`];
    if (error.value === null) return [`${field} must not be null`];
  }
  const typeMessages = Object.entries(constraints).filter(([name]) => TYPE_CONSTRAINTS.has(name));
  const chosen = typeMessages.length > 0 ? typeMessages : Object.entries(constraints);
  return chosen.map(([, message]) => prefixed(message, error.property, field));
}

/** class-validator says "type must be ..."; name the full path so nested errors are unambiguous. */
function prefixed(message: string, property: string, field: string): string {
  return field !== property && message.startsWith(`${property} `) ? `${field}${message.slice(property.length)}` : message;
}

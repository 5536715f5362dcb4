import { ConflictException } from '@nestjs/common';
import { ErrorResponseDto } from './error-response.dto';

/**
 * A failure the client is told about, free of HTTP: toErrorBody (error-body.ts)
 * is the one place that maps each kind to its status.
 */
export abstract class DomainError extends Error {
  constructor(
    message: string,
    readonly details?: ErrorResponseDto['details'],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The owner already has a dataset of that name (409). */
export class DuplicateNameError extends DomainError {}

/**
 * A lock stayed taken past the caller's wait (409). Still a ConflictException
 * because entity-locks.spec asserts that type; EntityLocks catches this class
 * only, so no other 409 is mistaken for a busy lock.
 */
export class LockBusyError extends ConflictException {}

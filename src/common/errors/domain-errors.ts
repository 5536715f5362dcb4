import { ErrorResponseDto } from './error-response.dto';

/**
 * A failure the client is told about, free of HTTP: services, rules and
 * infrastructure throw these; toErrorBody (error-body.ts) is the one place
 * that maps each kind to its status. `details` names the offending fields.
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

/** The request names something invalid (400). */
export class InvalidInputError extends DomainError {}

/** No credentials, or credentials that are not valid (401); the message never says which. */
export class UnauthenticatedError extends DomainError {
  constructor(
    message: string,
    /** A token was sent (and refused), rather than none at all. */
    readonly tokenSent = false,
  ) {
    super(message);
  }
}

/** The caller may see the thing but not do this to it (403). */
export class ForbiddenError extends DomainError {}

/** No such thing, or none the caller may see (404). */
export class NotFoundError extends DomainError {}

/** The request conflicts with the current state (409). */
export class ConflictError extends DomainError {}

/** The owner already has a dataset of that name (409). */
export class DuplicateNameError extends ConflictError {}

/** Another user has that e-mail address (409). */
export class EmailTakenError extends ConflictError {}

/** A lock stayed taken past the caller's wait (409): another change of the same thing is under way. */
export class LockBusyError extends ConflictError {}

/** The lock a change runs under expired or was taken over: its next write is refused (409, retry). */
export class LeaseLostError extends ConflictError {}

/** The body is larger than allowed (413). */
export class TooLargeError extends DomainError {}

/** Well-formed, but it names something the service does not hold, e.g. an owner that does not exist (422). */
export class UnprocessableError extends DomainError {}

/** A service this request needs did not answer (503), e.g. the identity provider's key set. */
export class UnavailableError extends DomainError {}

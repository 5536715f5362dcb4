import { ErrorResponseDto } from './error-response.dto';

/**
 * The body of an error about one field: `message`, and `details` naming the
 * field (with `fieldMessage` when it says more than, or other than, the message).
 */
export function fieldError(
  field: string,
  message: string,
  fieldMessage = message,
): Required<Pick<ErrorResponseDto, 'message' | 'details'>> {
  return { message, details: [{ field, messages: [fieldMessage] }] };
}

/** The `details` of an error about one field (for a DomainError). */
export function fieldDetails(field: string, message: string): { field: string; messages: string[] }[] {
  return [{ field, messages: [message] }];
}

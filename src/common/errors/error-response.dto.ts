import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  /** Path of the offending field, e.g. `email` or `fields.0.type`. */
  @ApiProperty({ example: 'email' })
  field: string;

  /** What is wrong with it. */
  @ApiProperty({ example: ['email must be an email'] })
  messages: string[];
}

/** The one error shape of the service, for every 4xx and 5xx. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  /** The HTTP reason phrase. */
  @ApiProperty({ example: 'Bad Request' })
  error: string;

  /** One human-readable sentence. */
  @ApiProperty({ example: 'Validation failed: email must be an email' })
  message: string;

  /** What to fix, per field (or query parameter); on `GET /health` instead, the status of each dependency. */
  @ApiPropertyOptional({
    oneOf: [{ type: 'array', items: { $ref: getSchemaPath(FieldErrorDto) } }, { type: 'object' }],
  })
  details?: FieldErrorDto[] | Record<string, unknown>;
}

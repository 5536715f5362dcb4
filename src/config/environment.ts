import { Transform } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every setting the service reads, exactly as named in the environment.
 * Validated once at boot (see load-config.ts); the rest of the code reads the
 * structured AppConfig built from it.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'], { message: 'NODE_ENV must be one of development, production, test (got "$value")' })
  NODE_ENV = 'development';

  @Transform(toInteger)
  @IsInt({ message: 'PORT must be an integer between 1 and 65535 (got "$value")' })
  @Min(1, { message: 'PORT must be an integer between 1 and 65535 (got "$value")' })
  @Max(65535, { message: 'PORT must be an integer between 1 and 65535 (got "$value")' })
  PORT = 3000;

  @Matches(/^[\w.:-]+$/, { message: 'HOST must be a host name or IP address (got "$value")' })
  HOST = '0.0.0.0';

  // Large enough for a bulk request of 1,000 items; larger JSON bodies get a 413.
  @Matches(/^[1-9]\d{0,9}(b|kb|mb)$/i, { message: 'JSON_BODY_LIMIT must be a size such as 512kb or 5mb (got "$value")' })
  JSON_BODY_LIMIT = '5mb';

  // Records uploads are streamed, so these bound a request, not the memory it takes.
  @Matches(/^[1-9]\d{0,12}(b|kb|mb|gb)$/i, { message: 'RECORDS_MAX_BODY must be a size such as 512mb or 2gb (got "$value")' })
  RECORDS_MAX_BODY = '1gb';

  @Transform(toInteger)
  @IsInt({ message: 'RECORDS_MAX_ROWS must be a positive integer (got "$value")' })
  @Min(1, { message: 'RECORDS_MAX_ROWS must be a positive integer (got "$value")' })
  RECORDS_MAX_ROWS = 20_000_000;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "$value")` })
  LOG_LEVEL: LogLevel = 'info';

  // The value is not echoed back: a connection string may carry a password.
  @IsDefined({ message: 'MONGODB_URI is required (a mongodb:// or mongodb+srv:// connection string)' })
  @Matches(/^mongodb(\+srv)?:\/\/[^/?#\s]+(\/[^?#\s]*)?(\?\S*)?$/, {
    message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string',
  })
  MONGODB_URI: string;

  @IsDefined({ message: 'KAFKA_BROKERS is required (a comma-separated host:port list, e.g. 127.0.0.1:19092)' })
  @Matches(/^\s*[\w.-]+:\d{1,5}\s*(,\s*[\w.-]+:\d{1,5}\s*)*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port (got "$value")',
  })
  KAFKA_BROKERS: string;

  @Matches(/^[\w.-]{1,128}$/, { message: 'KAFKA_CLIENT_ID must be 1-128 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_CLIENT_ID = 'dataset-registry';

  @Matches(/^[\w.-]{1,128}$/, { message: 'KAFKA_GROUP_ID must be 1-128 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_GROUP_ID = 'dataset-registry';

  // Kafka's own rule for topic names; ".dlq" is appended for the dead-letter topic.
  @Matches(/^[\w.-]{1,245}$/, { message: 'KAFKA_TOPIC must be 1-245 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_TOPIC = 'msg_collection';

  // A user or dataset locked by a process that then died is free again after this long.
  @Transform(toInteger)
  @IsInt({ message: 'LOCK_TTL_SECONDS must be an integer between 1 and 3600 (got "$value")' })
  @Min(1, { message: 'LOCK_TTL_SECONDS must be an integer between 1 and 3600 (got "$value")' })
  @Max(3600, { message: 'LOCK_TTL_SECONDS must be an integer between 1 and 3600 (got "$value")' })
  LOCK_TTL_SECONDS = 60;

  // Requests per client IP and minute before a 429; 0 turns the limit off.
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be a non-negative integer (got "$value")' })
  @Min(0, { message: 'RATE_LIMIT_PER_MINUTE must be a non-negative integer (got "$value")' })
  RATE_LIMIT_PER_MINUTE = 6000;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'KAFKA_TOPIC_PARTITIONS must be an integer between 1 and 1000 (got "$value")' })
  @Min(1, { message: 'KAFKA_TOPIC_PARTITIONS must be an integer between 1 and 1000 (got "$value")' })
  @Max(1000, { message: 'KAFKA_TOPIC_PARTITIONS must be an integer between 1 and 1000 (got "$value")' })
  KAFKA_TOPIC_PARTITIONS = 3;
}

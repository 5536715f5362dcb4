import { ArchiveConfig } from './app-config';
import { ConfigError } from './config-error';
import { EnvironmentVariables } from './environment';

export function archiveConfig(vars: EnvironmentVariables, maxBytes: number): ArchiveConfig {
  const keyId = vars.ARCHIVE_S3_ACCESS_KEY_ID;
  const secret = vars.ARCHIVE_S3_SECRET_ACCESS_KEY;
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new ConfigError(
      'Invalid configuration: ARCHIVE_S3_ACCESS_KEY_ID and ARCHIVE_S3_SECRET_ACCESS_KEY go together (or neither, for the AWS credential chain)',
    );
  }
  return {
    enabled: vars.ARCHIVE_ENABLED,
    groupId: vars.ARCHIVE_GROUP_ID ?? `${vars.KAFKA_GROUP_ID}-archive`,
    prefix: vars.ARCHIVE_PREFIX ?? '',
    maxEvents: vars.ARCHIVE_MAX_EVENTS,
    maxBytes,
    maxAgeMs: vars.ARCHIVE_MAX_AGE_SECONDS * 1000,
    s3: {
      bucket: vars.ARCHIVE_S3_BUCKET,
      ...(vars.ARCHIVE_S3_ENDPOINT && { endpoint: vars.ARCHIVE_S3_ENDPOINT.replace(/\/$/, '') }),
      region: vars.ARCHIVE_S3_REGION,
      forcePathStyle: vars.ARCHIVE_S3_FORCE_PATH_STYLE,
      ...(keyId !== undefined && secret !== undefined && { credentials: { accessKeyId: keyId, secretAccessKey: secret } }),
    },
  };
}

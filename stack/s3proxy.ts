/** S3Proxy: an S3-compatible server on the local filesystem, for the archive. */
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { S3_CREDENTIALS } from './settings';

export function s3proxyProperties(port: number, dataDir: string): string {
  return `# Written by stack/local-stack.ts on every start; edit stack/s3proxy.ts instead.
s3proxy.endpoint=http://127.0.0.1:${port}
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=${S3_CREDENTIALS.accessKeyId}
s3proxy.credential=${S3_CREDENTIALS.secretAccessKey}
jclouds.provider=filesystem
jclouds.filesystem.basedir=${dataDir}
`;
}

// Without it S3Proxy logs every request at DEBUG.
export const S3PROXY_LOGBACK = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>[%d] %level %msg \\(%logger{0}\\)%n</pattern></encoder>
  </appender>
  <logger name="org.eclipse.jetty" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/** Ready means a signed S3 call (ListBuckets) succeeds, not merely an open port. */
export async function s3Answers(port: number): Promise<boolean> {
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

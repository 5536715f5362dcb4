import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { S3Config } from '../config/app-config';
import { ObjectStore, StoredObject } from './object-store';

/** How long one S3 request may take before it counts as a storage failure (the archive then retries). */
const REQUEST_TIMEOUT_MS = 15_000;

/** The object store on AWS S3 or any S3-compatible server (S3Proxy, MinIO…), by configuration alone. */
export class S3ObjectStore extends ObjectStore {
  readonly description: string;
  private s3?: S3Client;
  private bucketChecked = false;

  constructor(private readonly config: S3Config) {
    super();
    this.description = `s3://${config.bucket}${config.endpoint ? ` at ${config.endpoint}` : ` (${config.region})`}`;
  }

  /** Made on first use: a service with the archive off never builds an S3 client. */
  private get client(): S3Client {
    const config = this.config;
    this.s3 ??= new S3Client({
      region: config.region,
      ...(config.endpoint && { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle,
      // Absent: the SDK's default chain (environment, profile, container or instance role).
      ...(config.credentials && { credentials: config.credentials }),
      // Flexible checksums are refused by several S3-compatible servers (S3Proxy: 501); MD5-free PUTs are fine on AWS.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The archive has its own retry loop with backoff and pausing; one quick SDK retry is enough.
      maxAttempts: 2,
    });
    return this.s3;
  }

  async ensureBucket(): Promise<void> {
    if (this.bucketChecked) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), timeout());
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.config.bucket }), timeout());
    }
    this.bucketChecked = true;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.config.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }),
      timeout(),
    );
  }

  async get(key: string): Promise<Buffer> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), timeout());
    if (!response.Body) throw new Error(`${key}: empty response body`);
    return Buffer.from(await response.Body.transformToByteArray());
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<StoredObject> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: prefix,
          ContinuationToken: continuationToken,
          ...(startAfter !== undefined && !continuationToken && { StartAfter: startAfter }),
        }),
        timeout(),
      );
      for (const object of page.Contents ?? []) {
        // Filesystem-backed servers list directories as keys ending in "/": they are not objects.
        if (!object.Key || object.Key.endsWith('/')) continue;
        yield { key: object.Key, size: object.Size ?? 0, ...(object.LastModified && { lastModified: object.LastModified }) };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), timeout(timeoutMs));
    } catch (error) {
      // The storage answered; the bucket is created with the first object.
      if (!isNotFound(error)) throw error;
    }
  }

  destroy(): void {
    this.s3?.destroy();
    this.s3 = undefined;
  }
}

function timeout(ms = REQUEST_TIMEOUT_MS): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(ms) };
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchBucket')
  );
}

/** One stored object as a listing shows it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

/**
 * The archive's port to object storage: what it needs and nothing more, so the
 * archive logic is tested without a server and runs on any S3-compatible one.
 */
export abstract class ObjectStore {
  /** A short name for logs and health, e.g. `s3://bucket at http://host:port`. */
  abstract readonly description: string;
  /** Creates the bucket when it does not exist. */
  abstract ensureBucket(): Promise<void>;
  /** Writes the whole object at once: it exists completely afterwards, or not at all. */
  abstract put(key: string, body: Buffer, contentType: string): Promise<void>;
  abstract get(key: string): Promise<Buffer>;
  /** Every object whose key starts with `prefix`, in key order, after `startAfter` when given. */
  abstract list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>;
  /** Resolves when the storage answers (a bucket check), rejects with the reason otherwise. */
  abstract ping(timeoutMs: number): Promise<void>;
}

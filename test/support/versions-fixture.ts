/** Shared ground of the versions e2e files: sealing, exports, the stored buckets, and the digest recomputed in Python. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { withDatabase } from './mongo';
import { Api, asNdjson, createDataset, FIELDS, samplePoints, uploadRecords } from './records-fixture';

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The digest of an NDJSON export, recomputed by test/support/points_digest.py (Python, standard library). */
export function digestByPython(fields: object[], ndjson: string): { digest: string; count: number } {
  const script = path.join(__dirname, 'points_digest.py');
  const result = spawnSync('python3', [script, JSON.stringify(fields)], { input: ndjson, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`points_digest.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { digest: string; count: number };
}

/** The same, by the function docs/versions.md gives its readers (so the documented code is known to work). */
export function digestByDocumentedPython(fields: object[], ndjson: string): string {
  const documentation = readFileSync(path.join(__dirname, '..', '..', 'docs', 'versions.md'), 'utf8');
  const code = /```python\n(import hashlib[\s\S]*?)```/.exec(documentation)?.[1];
  if (!code) throw new Error('docs/versions.md has no digest function');
  const program = `${code}\nimport sys, json\nprint(version_digest(json.loads(sys.argv[1]), sys.stdin))\n`;
  const result = spawnSync('python3', ['-c', program, JSON.stringify(fields)], { input: ndjson, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`the documented digest function failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** supertest keeps binary bodies it does not know as a Buffer only when asked to. */
export const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

/** A dataset of FIELDS holding `points`; resolves to its id. */
export async function datasetWith(api: Api, ownerId: string, points = samplePoints(1000)): Promise<string> {
  const id = await createDataset(api, ownerId, 'versions', FIELDS);
  await uploadRecords(api, id, 'application/x-ndjson', asNdjson(points)).expect(200);
  return id;
}

export async function seal(as: Api, id: string, body: object = {}): Promise<Record<string, unknown>> {
  return (await as.post(`/datasets/${id}/versions`).send(body).expect(201)).body as Record<string, unknown>;
}

export function ndjsonOf(api: Api, id: string, query: Record<string, string | number> = {}): Promise<request.Response> {
  return api
    .get(`/datasets/${id}/records`)
    .query({ format: 'ndjson', ...query })
    .expect(200)
    .then((response) => response);
}

/** The ids of the dataset's bucket documents as stored. */
export function bucketIdsOf(uri: string, id: string): Promise<string[]> {
  return withDatabase(uri, async (db) =>
    (
      await db
        .collection<{ _id: string }>('record_buckets')
        .find({ datasetId: id }, { projection: { _id: 1 } })
        .toArray()
    ).map((doc) => doc._id),
  );
}

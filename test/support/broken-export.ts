import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { RecordsService } from '../../src/records/records.service';
import type { TestApp } from './test-app';

/** A GET read to the end with node's own client: the bytes, and whether the body ended cleanly or was cut off. */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status?: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const req = http.get(url, { headers }, (res) => {
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), complete: res.complete }));
    });
    req.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
  });
}

/**
 * Reads `url` (a records export) while the store fails once `buckets` buckets
 * of points have gone out, and checks the rule for a failure after the headers
 * were sent: a 200 whose body is cut off, not ended cleanly, after more than
 * one 64 KB chunk, and the failure logged with the request id. Call
 * jest.restoreAllMocks() afterwards.
 */
export async function expectCutOffWhenTheStoreFails(
  testApp: Pick<TestApp, 'app' | 'adminToken'>,
  url: string,
  buckets: number,
): Promise<void> {
  const service = testApp.app.get(RecordsService);
  const read = service.read.bind(service);
  jest.spyOn(service, 'read').mockImplementationOnce(async (...args) => {
    const plan = await read(...args);
    async function* failing(): AsyncGenerator<{ t: number; values: (number | string | boolean | null)[] }[]> {
      let given = 0;
      for await (const batch of plan.rows) {
        yield batch;
        if (++given === buckets) throw new Error('simulated store failure');
      }
    }
    return { ...plan, rows: failing() };
  });
  const errors = jest.spyOn(Logger.prototype, 'error');
  const requestId = `export-${randomUUID()}`;

  const response = await getRaw(url, { 'X-Request-Id': requestId, Authorization: `Bearer ${testApp.adminToken}` });
  expect(response.status).toBe(200);
  expect(response.complete).toBe(false);
  expect(response.body.length).toBeGreaterThan(64 * 1024);
  expect(errors).toHaveBeenCalledWith(
    expect.objectContaining({ reqId: requestId, err: expect.objectContaining({ message: 'simulated store failure' }) }),
    expect.any(String),
  );
}

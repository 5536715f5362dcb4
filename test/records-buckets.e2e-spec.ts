import { HOUR, MINUTE, T0 } from '../src/common/testing/time';
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import request from 'supertest';
import { DatasetsService } from '../src/datasets/datasets.service';
import { MAX_STRING_BYTES } from '../src/records/ingest/record-values';
import { RecordsJanitor } from '../src/records/store/records-janitor';
import { RecordsRepository } from '../src/records/store/records.repository';
import { SeriesWrite } from '../src/records/store/series-write';
import { withDatabase } from './support/mongo';
import { Api, createDataset, createOwner, uploadRecords } from './support/records-fixture';
import { useTestApp } from './support/test-app';
import { recordMeasurement } from './support/test-log';

const NOTE_FIELDS = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
];
const TOO_LONG = `note is longer than ${MAX_STRING_BYTES} bytes (the longest string value)`;

describe('Records hardening: buckets within the document size limit (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Hardener');
  });

  const newDataset = (extra: Record<string, unknown> = {}): Promise<string> => createDataset(api, ownerId, 'hardening', NOTE_FIELDS, extra);
  const upload = (id: string, type: string, body: string | Buffer): request.Test => uploadRecords(api, id, type, body);

  const storedCount = async (id: string): Promise<number> => (await api.get(`/datasets/${id}/stats`).expect(200)).body.count;

  describe('buckets within the document size limit', () => {
    it('takes 20,000 rows of 60 number fields at 150 ms without a frequency, and exports every point', async () => {
      const fields = Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, type: 'number' }));
      const id = (
        await api
          .post('/datasets')
          .send({ ownerId, name: `wide-${randomUUID()}`, fields })
          .expect(201)
      ).body.id;
      const value = (row: number, field: number): number => ((row * 31 + field * 17) % 9973) / 10;
      const lines = ['timestamp,' + fields.map((field) => field.name).join(',')];
      for (let row = 0; row < 20_000; row++) lines.push(`${T0 + row * 150},${fields.map((_, f) => value(row, f)).join(',')}`);
      const csv = lines.join('\n') + '\n';
      expect(csv.length).toBeGreaterThan(5_000_000);

      const started = Date.now();
      const written = await upload(id, 'text/csv', csv).expect(200);
      const uploadMs = Date.now() - started;
      expect(written.body).toMatchObject({ count: 20_000, totalPoints: 20_000 });
      const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
      expect(stats.count).toBe(20_000);
      expect(stats.fields.f59.count).toBe(20_000);

      const exportStarted = Date.now();
      const exported = (await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text;
      const exportMs = Date.now() - exportStarted;
      const rows = [...Array(20_000).keys()];
      const want = rows.map(
        (row) =>
          `{"timestamp":"${new Date(T0 + row * 150).toISOString()}",${fields.map((field, f) => `"${field.name}":${value(row, f)}`).join(',')}}`,
      );
      expect(exported.split('\n')).toEqual([...want, '']);
      const series = await withDatabase(testApp.config.mongodb.uri, (db) => db.collection('record_series').findOne({ datasetId: id }));
      expect(series?.buckets.length).toBeGreaterThan(1);
      recordMeasurement(
        `[buckets] wide upload: 20,000 rows x 60 fields (${(csv.length / 1e6).toFixed(1)} MB CSV) in ${uploadMs} ms, export ${exportMs} ms, ${series?.buckets.length} buckets`,
      );
    });

    it('takes 17,000 points of 1 KB strings within one hour, and deletes part of them', async () => {
      const id = await newDataset({ frequency: undefined });
      const note = (i: number): string => `${i}:`.padEnd(1024, 'abcdefghij');
      const body = Array.from({ length: 17_000 }, (_, i) => JSON.stringify({ timestamp: T0 + i * 200, note: note(i) })).join('\n');
      await upload(id, 'application/x-ndjson', body).expect(200);
      expect(await storedCount(id)).toBe(17_000);

      const deleted = await api
        .delete(`/datasets/${id}/records`)
        .query({ from: T0 + 1000 * 200, to: T0 + 2000 * 200 })
        .expect(200);
      expect(deleted.body).toMatchObject({ count: 1000, totalPoints: 16_000 });
      const exported = (await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text.trim().split('\n');
      const kept = [...Array(17_000).keys()].filter((i) => i < 1000 || i >= 2000);
      expect(exported.map((line) => (JSON.parse(line) as { note: string }).note)).toEqual(kept.map(note));
      const uploads = await withDatabase(testApp.config.mongodb.uri, (db) =>
        db.collection('record_uploads').countDocuments({ datasetId: id }),
      );
      expect(uploads).toBe(0);
    });

    it('refuses two NDJSON points holding a 10 MB string each, naming row and field, and stores nothing', async () => {
      const id = await newDataset();
      const huge = 'x'.repeat(10 * 1024 * 1024);
      const body = [0, 1].map((i) => JSON.stringify({ timestamp: T0 + i * MINUTE, note: huge })).join('\n');
      const refused = await upload(id, 'application/x-ndjson', body).expect(400);
      expect(refused.body.details).toEqual([
        { field: 'row 1', messages: [TOO_LONG] },
        { field: 'row 2', messages: [TOO_LONG] },
      ]);
      expect(await storedCount(id)).toBe(0);
    });

    it('refuses a 20 MB CSV cell, naming row and field', async () => {
      const id = await newDataset();
      const body = `timestamp,kw,note\n${T0},1,plain\n${T0 + MINUTE},2,"${'y'.repeat(20 * 1024 * 1024)}"\n`;
      const refused = await upload(id, 'text/csv', body).expect(400);
      expect(refused.body.details).toEqual([{ field: 'row 2', messages: [TOO_LONG] }]);
      expect(await storedCount(id)).toBe(0);
    });
  });

  it('after a write whose process died, the janitor deletes every bucket it wrote through the ids it noted ahead', async () => {
    const id = await newDataset();
    const dataset = await testApp.app.get(DatasetsService).findCurrent(new Types.ObjectId(id));
    // 50 buckets of a minute, within the 64 ids an upload notes when it registers.
    const write = new SeriesWrite(testApp.app.get(RecordsRepository), dataset, undefined, MINUTE);
    for (let i = 0; i < 3_000; i++) await write.add(T0 + i * 1000, [i, null]);
    await write.flush(); // the process dies here: neither sealed nor discarded
    const stored = (): Promise<number[]> =>
      withDatabase(testApp.config.mongodb.uri, (db) =>
        Promise.all(['record_buckets', 'record_uploads'].map((name) => db.collection(name).countDocuments({ datasetId: id }))),
      );
    expect(await stored()).toEqual([50, 1]);
    await testApp.app.get(RecordsJanitor).sweep(new Date(Date.now() + HOUR));
    expect(await stored()).toEqual([0, 0]);
  });
});

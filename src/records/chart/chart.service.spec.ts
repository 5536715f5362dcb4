import { Types } from 'mongoose';
import type { Principal } from '../../access/principal';
import { strictMock } from '../../common/testing/strict-mock';
import type { Dataset, DatasetField } from '../../datasets/dataset-shape';
import { RecordsInputError } from '../ingest/record-errors';
import type { PointRow } from '../points';
import { RecordsService } from '../records.service';
import { ReadPlan } from '../read-plan';
import type { ChartPicture } from './chart-picture';
import { ChartRenderer } from './chart-renderer';
import { ChartRequest, ChartService } from './chart.service';

const principal = { userId: new Types.ObjectId(), admin: false, scopes: new Set(['read']), via: 'api-token' } as Principal;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const fields: DatasetField[] = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'note', type: 'string' },
];

function build({ version = 'live', rows = [] }: { version?: number | 'live'; rows?: PointRow[] } = {}) {
  const stats = { datasetId: 'd', version, digest: version === 'live' ? undefined : DIGEST, count: rows.length, fields: {} };
  const drawn: ChartPicture[] = [];
  const records = strictMock<RecordsService>('RecordsService', {
    stats: jest.fn(async () => ({ ...stats, first: '1970-01-01T00:00:00.000Z', last: '1970-01-01T00:00:00.999Z' })),
    read: jest.fn(async (_ref, request: { fields?: string[] }): Promise<ReadPlan> => {
      const chosen = request.fields ? fields.filter((field) => request.fields?.includes(field.name)) : fields;
      async function* batches(): AsyncGenerator<PointRow[]> {
        yield rows;
      }
      return { dataset: { name: 'meter' } as Dataset, fields: chosen, rows: batches(), served: { version, digest: stats.digest } };
    }),
  });
  const renderer = strictMock<ChartRenderer>('ChartRenderer', {
    render: jest.fn(async (picture: ChartPicture) => (drawn.push(picture), '<svg/>')),
  });
  return { service: new ChartService(records, renderer), records, drawn };
}

const request = (overrides: Partial<ChartRequest> = {}): ChartRequest => ({ pin: {}, width: 1072, height: 400, ...overrides });

describe(ChartService.name, () => {
  it('folds the range into one interval per pixel of the plot area, number fields only', async () => {
    // 1,000 ms over 1,000 pixels (1,072 less the margins): one point per millisecond interval, no band.
    const rows = Array.from({ length: 1000 }, (_, t) => ({ t, values: [t, 'x'] }));
    const { service, drawn } = build({ rows });
    const answer = await service.render({ seq: 1 }, request(), principal);
    expect(answer).toEqual({ svg: '<svg/>', served: { version: 'live' }, etag: undefined, cacheControl: 'private, no-cache' });
    expect(drawn[0]).toMatchObject({ title: 'meter', subtitle: 'live points', from: 0, to: 1000, fields: [fields[0]] });
    expect(drawn[0].content).toMatchObject({ dense: false });
    // Half the width: two points per interval, so a band.
    const { service: narrow, drawn: narrowDrawn } = build({ rows });
    await narrow.render({ seq: 1 }, request({ width: 572 }), principal);
    expect(narrowDrawn[0].content).toMatchObject({ dense: true });
  });

  it('answers a pinned chart the client holds (If-None-Match) without reading a point', async () => {
    const { service, records } = build({ version: 3 });
    const first = await service.render({ seq: 1 }, request({ pin: { version: 3 } }), principal);
    expect(first.etag).toMatch(/^"[\w-]{32}"$/);
    expect(first.cacheControl).toBe('private, max-age=86400');
    for (const header of [first.etag, `W/${first.etag}`, `"other", ${first.etag}`, '*']) {
      (records.read as jest.Mock).mockClear();
      const again = await service.render({ seq: 1 }, request({ pin: { version: 3 } }), principal, header);
      expect(again).toEqual({ served: { version: 3, digest: DIGEST }, etag: first.etag, cacheControl: 'private, max-age=86400' });
      expect(records.read).not.toHaveBeenCalled();
    }
    const other = await service.render({ seq: 1 }, request({ pin: { version: 3 }, width: 900 }), principal, first.etag);
    expect(other.svg).toBe('<svg/>');
    expect(other.etag).not.toBe(first.etag);
  });

  it('refuses a field named in `fields` that is not a number, naming `fields`', async () => {
    const { service } = build();
    const refused = service.render({ seq: 1 }, request({ fields: ['note'] }), principal);
    await expect(refused).rejects.toBeInstanceOf(RecordsInputError);
    await expect(refused).rejects.toMatchObject({
      details: [{ field: 'fields', messages: ['fields must name number fields only, not note (string)'] }],
    });
  });

  it('says "no points" for a range without any', async () => {
    const { service, drawn } = build();
    await service.render({ seq: 1 }, request(), principal);
    expect(drawn[0].content).toEqual({ message: 'no points' });
  });
});

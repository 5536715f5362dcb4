import request from 'supertest';
import { groupsOfClass, parseSvg, SvgElement, textsOf } from '../src/common/testing/svg-tree';
import { Api, bearer, createUserWithToken } from './support/auth';
import { createDataset, createOwner, uploadRecords } from './support/records-fixture';
import { MINUTE, T0 } from '../src/common/testing/time';
import { useTestApp } from './support/test-app';

/** Two number fields of different units, and one a chart leaves out. */
const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'temp', type: 'number', unit: '°C' },
  { name: 'note', type: 'string' },
];

function csv(count: number, value: (i: number) => number): string {
  const rows = Array.from({ length: count }, (_, i) => `${T0 + i * MINUTE},${value(i)},${20 + (i % 5)},n${i}`);
  return `timestamp,kw,temp,note\n${rows.join('\n')}\n`;
}

/** The SVG as text (supertest keeps image bodies it does not parse as nothing). */
const asText = (test: request.Test): request.Test =>
  test.buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });

function lineTitles(tree: SvgElement): string[] {
  return groupsOfClass(tree, 'chart-line').flatMap((g) => (g.path as SvgElement[]).map((path) => textsOf(path, 'title')[0]));
}

describe('GET /datasets/{id}/chart.svg (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;
  let id: string;
  let name: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Charter');
    id = await createDataset(api, ownerId, 'chart', FIELDS);
    name = (await api.get(`/datasets/${id}`).expect(200)).body.name as string;
    // A day of minutes with one spike: dense at any chart width.
    await uploadRecords(
      api,
      id,
      'text/csv',
      csv(1440, (i) => (i === 700 ? 500 : Math.sin(i / 60))),
    ).expect(200);
  });

  const chart = (query: Record<string, string | number> = {}, datasetId = id): request.Test =>
    api.get(`/datasets/${datasetId}/chart.svg`).query(query);
  const svg = (query: Record<string, string | number> = {}, datasetId = id): request.Test => asText(chart(query, datasetId));

  it('answers a valid SVG document titled with the dataset and the live points, one line and one band per number field', async () => {
    const response = await svg({ width: 600, height: 300 }).expect(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(response.headers['x-dataset-version']).toBe('live');
    expect(response.headers['cache-control']).toBe('private, no-cache');
    const tree = parseSvg(response.body);
    expect((tree.svg as SvgElement[])[0]['@width']).toBe('600');
    expect(textsOf(tree, 'title')[0]).toBe(`${name} — live points`);
    expect(lineTitles(tree)).toEqual(['kw', 'temp']);
    expect(groupsOfClass(tree, 'chart-band').flatMap((g) => g.path as SvgElement[])).toHaveLength(2);
    expect(textsOf(groupsOfClass(tree, 'chart-legend'), 'text')).toEqual(['kw (kW)', 'temp (°C)']);
  });

  it('draws no band where every pixel holds one point at most, and follows the range and fields asked for', async () => {
    const tenMinutes = { from: new Date(T0).toISOString(), to: new Date(T0 + 10 * MINUTE).toISOString(), fields: 'kw' };
    const tree = parseSvg((await svg(tenMinutes).expect(200)).body);
    expect(lineTitles(tree)).toEqual(['kw']);
    expect(groupsOfClass(tree, 'chart-band')).toHaveLength(0);
    const whole = (await svg({ fields: 'kw' }).expect(200)).body;
    expect(whole).not.toBe((await svg(tenMinutes)).body);
  });

  it('says "no points" for an empty range, as a valid SVG', async () => {
    const later = { from: new Date(T0 + 10 * 86_400_000).toISOString(), to: new Date(T0 + 11 * 86_400_000).toISOString() };
    const tree = parseSvg((await svg(later).expect(200)).body);
    expect(textsOf(tree, 'text')).toContain('no points');
    expect(groupsOfClass(tree, 'chart-line')).toHaveLength(0);
  });

  it.each([
    [{ width: 10 }, 'width'],
    [{ width: 'wide' }, 'width'],
    [{ height: 99999 }, 'height'],
    [{ fields: 'note' }, 'fields'],
    [{ fields: 'nope' }, 'fields'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: new Date(T0 + MINUTE).toISOString(), to: new Date(T0).toISOString() }, 'to'],
    [{ version: 1, tag: 'x' }, 'tag'],
    [{ version: 0 }, 'version'],
    [{ colour: 'red' }, 'colour'],
  ])('answers %j with a 400 naming %s', async (query, field) => {
    const response = await chart(query as Record<string, string | number>).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect((response.body.details as { field: string }[]).map((detail) => detail.field)).toContain(field);
  });

  it('follows the access rules of a records read: 404 to another user, 200 to a grantee, 401 without a token', async () => {
    const other = await createUserWithToken(api);
    const grantee = await createUserWithToken(api);
    await request(testApp.url).get(`/datasets/${id}/chart.svg`).set('Authorization', bearer(other.token)).expect(404);
    await api.put(`/datasets/${id}/access/${grantee.id}`).send({ level: 'read' }).expect(200);
    await request(testApp.url).get(`/datasets/${id}/chart.svg`).set('Authorization', bearer(grantee.token)).expect(200);
    await request(testApp.url).get(`/datasets/${id}/chart.svg`).expect(401);
    await chart({}, 'ffffffffffffffffffffffff').expect(404);
  });

  describe('a pinned version', () => {
    let pinned: string;
    let digest: string;

    beforeAll(async () => {
      pinned = await createDataset(api, ownerId, 'pinned', FIELDS);
      await uploadRecords(
        api,
        pinned,
        'text/csv',
        csv(100, () => 1),
      ).expect(200);
      digest = (await api.post(`/datasets/${pinned}/versions`).send({}).expect(201)).body.digest as string;
      await api.put(`/datasets/${pinned}/tags/train`).send({ version: 1 }).expect(201);
      // The live points move on: twice as many, other values.
      await uploadRecords(
        api,
        pinned,
        'text/csv',
        csv(200, () => 7),
      ).expect(200);
    });

    it('shows the version, not the live points, and names it in the title', async () => {
      const version = await svg({ version: 1 }, pinned).expect(200);
      const live = await svg({}, pinned).expect(200);
      expect(version.body).not.toBe(live.body);
      expect(version.headers['x-dataset-version']).toBe('1');
      expect(version.headers['x-dataset-digest']).toBe(digest);
      expect(textsOf(parseSvg(version.body), 'title')[0]).toMatch(new RegExp(`— version 1 \\(${digest.slice(0, 19)}…\\)$`));
      const tagged = await svg({ tag: 'train' }, pinned).expect(200);
      expect(textsOf(parseSvg(tagged.body), 'title')[0]).toMatch(/— tag train: version 1 /);
    });

    it('carries an ETag and Cache-Control, and answers If-None-Match with 304', async () => {
      const first = await svg({ version: 1, width: 500 }, pinned).expect(200);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"[\w-]{32}"$/);
      expect(first.headers['cache-control']).toBe('private, max-age=86400');
      const again = await chart({ version: 1, width: 500 }, pinned).set('If-None-Match', etag).expect(304);
      expect(again.headers.etag).toBe(etag);
      expect(again.text).toBe('');
      // Another size is another picture; a tag is revalidated every time.
      const wider = await svg({ version: 1, width: 501 }, pinned).expect(200);
      expect(wider.headers.etag).not.toBe(etag);
      const tagged = await svg({ tag: 'train' }, pinned).expect(200);
      expect(tagged.headers['cache-control']).toBe('private, no-cache');
      await chart({ tag: 'train' }, pinned).set('If-None-Match', tagged.headers.etag).expect(304);
      // Someone who may not read the dataset learns nothing from an ETag either.
      const other = await createUserWithToken(api);
      await request(testApp.url)
        .get(`/datasets/${pinned}/chart.svg?version=1&width=500`)
        .set('Authorization', bearer(other.token))
        .set('If-None-Match', etag)
        .expect(404);
    });

    it('is 404 for a version or tag the dataset does not have', async () => {
      await chart({ version: 9 }, pinned).expect(404);
      await chart({ tag: 'nope' }, pinned).expect(404);
    });
  });
});

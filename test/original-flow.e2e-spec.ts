import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useTestApp } from './support/test-app';

interface DatasetFixture {
  owner: string;
  name: string;
  [field: string]: unknown;
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')) as T;

/** The flow of the system this service replaces: info.json in one request, then data.json, then read back. */
describe('Original registration flow (e2e)', () => {
  const testApp = useTestApp();

  it('registers the users of info.json and the datasets of data.json; each user lists exactly their datasets', async () => {
    const api = testApp.api();
    const users = fixture<{ email: string }[]>('info.json');
    const registered = await api.post('/users/bulk').send(users).expect(200);
    expect(registered.body).toMatchObject({ created: 4, rejected: 0 });
    const idByEmail = new Map<string, string>(
      registered.body.items.map((outcome: { item: { email: string; id: string } }) => [outcome.item.email, outcome.item.id]),
    );

    const datasets = fixture<DatasetFixture[]>('data.json');
    const requests = datasets.map(({ owner, ...dataset }) => ({ ...dataset, ownerId: idByEmail.get(owner) }));
    const created = await api.post('/datasets/bulk').send(requests).expect(200);
    expect(created.body).toMatchObject({ created: datasets.length, rejected: 0 });
    const seqs = created.body.items.map((outcome: { item: { seq: number } }) => outcome.item.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // numbered in file order

    for (const user of users) {
      const expectedNames = datasets.filter((d) => d.owner === user.email).map((d) => d.name);
      const expectedIds = created.body.items
        .filter((outcome: { item: { name: string; ownerId: string } }) => outcome.item.ownerId === idByEmail.get(user.email))
        .map((outcome: { item: { id: string } }) => outcome.item.id);

      const read = await api.get(`/users/${idByEmail.get(user.email)}`).expect(200);
      expect(read.body.datasetIds).toEqual(expectedIds);
      expect(read.body.datasetCount).toBe(expectedNames.length);

      const listed = await api.get(`/users/${idByEmail.get(user.email)}/datasets`).expect(200);
      expect(listed.body.items.map((d: { name: string }) => d.name).sort()).toEqual(expectedNames.sort());
    }
  });
});

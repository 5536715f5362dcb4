import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { OwnershipJanitor } from '../src/datasets/ownership-janitor';
import { TrashJanitor } from '../src/datasets/trash-janitor';
import { withDatabase } from './support/mongo';
import { useTestApp } from './support/test-app';

interface Note {
  _id: string;
  kind?: string;
  datasetId?: mongo.ObjectId;
  at?: Date;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * The notes beside datasets' transfer marks and trash times (see DatasetMark), against the real store: written
 * while a mark lasts, gone with it; what an older version left is noted by the ownership sweep, once; a note
 * whose mark is gone is dropped; and the janitors act on what the notes say, without reading every dataset.
 */
describe('Dataset mark notes (e2e)', () => {
  const testApp = useTestApp();
  const notes = (): Promise<Note[]> =>
    withDatabase(testApp.config.mongodb.uri, (db) => db.collection<Note>('dataset_marks').find({}).toArray());
  const noteOf = async (id: string): Promise<string[]> =>
    (await notes()).filter(({ _id }) => _id.endsWith(`:${id}`)).map(({ kind }) => kind as string);
  const datasets = <T>(work: (collection: mongo.Collection) => Promise<T>): Promise<T> =>
    withDatabase(testApp.config.mongodb.uri, (db) => work(db.collection('datasets')));

  const create = async (): Promise<string> =>
    (
      await testApp
        .api()
        .post('/datasets')
        .send({ name: `noted-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id as string;
  const newUser = async (): Promise<string> =>
    (
      await testApp
        .api()
        .post('/users')
        .send({ name: 'Receiver', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id as string;

  it('notes a trash time while the dataset is in the trash, and leaves no note after a transfer, a restore or a purge', async () => {
    const id = await create();
    await testApp.api().delete(`/datasets/${id}`).expect(204);
    const [note] = (await notes()).filter(({ _id }) => _id === `trash:${id}`);
    const stored = await datasets((collection) => collection.findOne({ _id: new mongo.ObjectId(id) }));
    expect(note).toMatchObject({ kind: 'trash', datasetId: new mongo.ObjectId(id), at: stored?.trashedAt });
    await testApp.api().post(`/datasets/${id}/restore`).expect(200);
    expect(await noteOf(id)).toEqual([]);

    await testApp
      .api()
      .patch(`/datasets/${id}`)
      .send({ ownerId: await newUser() })
      .expect(200);
    expect(await noteOf(id)).toEqual([]);

    await testApp.api().delete(`/datasets/${id}`).expect(204);
    expect(await noteOf(id)).toEqual(['trash']);
    await testApp.api().delete(`/datasets/${id}`).query({ permanent: 'true' }).expect(204);
    expect(await noteOf(id)).toEqual([]);
  });

  it('notes what an older version left (a trash time, a transfer mark) once, and the janitors then act on it', async () => {
    const [trashed, marked] = [await create(), await create()];
    const longAgo = new Date(Date.now() - 40 * DAY_MS);
    // As an older version left them: marks in the datasets, no notes, no word that all is noted.
    await datasets(async (collection) => {
      await collection.updateOne({ _id: new mongo.ObjectId(trashed) }, { $set: { state: 'trashed', trashedAt: longAgo } });
      await collection.updateOne(
        { _id: new mongo.ObjectId(marked) },
        { $set: { transferTo: new mongo.ObjectId(), transferStartedAt: new Date(Date.now() - 10 * 60_000) } },
      );
    });
    await withDatabase(testApp.config.mongodb.uri, (db) => db.collection<Note>('dataset_marks').deleteOne({ _id: 'all-noted' }));

    const swept = await testApp.app.get(OwnershipJanitor).sweep();
    expect(swept.transfersReleased).toBeGreaterThanOrEqual(1);
    expect(await datasets((collection) => collection.findOne({ _id: new mongo.ObjectId(marked) }))).not.toHaveProperty('transferTo');
    expect(await noteOf(marked)).toEqual([]);
    expect((await notes()).find(({ _id }) => _id === `trash:${trashed}`)).toMatchObject({ kind: 'trash', at: longAgo });
    expect((await notes()).some(({ _id }) => _id === 'all-noted')).toBe(true);

    expect(await testApp.app.get(TrashJanitor).sweep()).toBeGreaterThanOrEqual(1);
    await testApp.api().get(`/datasets/${trashed}`).expect(404);
    expect(await noteOf(trashed)).toEqual([]);
  });

  it('drops a note whose mark is gone (a crash between the write that ended it and the drop), and changes nothing else', async () => {
    const [active, moved] = [await create(), await create()];
    const longAgo = new Date(Date.now() - 40 * DAY_MS);
    await withDatabase(testApp.config.mongodb.uri, (db) =>
      db.collection<Note>('dataset_marks').insertMany([
        { _id: `trash:${active}`, kind: 'trash', datasetId: new mongo.ObjectId(active), at: longAgo },
        { _id: `transfer:${moved}`, kind: 'transfer', datasetId: new mongo.ObjectId(moved), at: longAgo },
      ]),
    );
    expect(await testApp.app.get(TrashJanitor).sweep()).toBe(0);
    expect((await testApp.app.get(OwnershipJanitor).sweep()).transfersReleased).toBe(0);
    for (const id of [active, moved]) {
      await testApp.api().get(`/datasets/${id}`).expect(200);
      expect(await noteOf(id)).toEqual([]);
    }
  });
});

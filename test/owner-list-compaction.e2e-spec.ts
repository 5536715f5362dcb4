import { Api, createUserWithToken } from './support/auth';
import { bulkFor, ownerListDocuments, spreadOwnerList } from './support/owner-lists';
import { useTestApp } from './support/test-app';

const CREATED = 320;
const ROUNDS = 4;
const GONE_PER_ROUND = 60;
const PER_CHUNK = 10;
const DELETING_AT_ONCE = 6;
const READERS = 2;

/**
 * A list of 320 datasets loses 240 through the API (purged: a trashed dataset stays listed) in 4 rounds while readers loop on `GET /users/{id}`. Before each round the
 * list is stored spread thin (10 entries a chunk, as a long history of creates and removals leaves one: a direct store write),
 * so the round's first removal compacts it (a new generation of chunks, then the head naming it, then the old chunks deleted)
 * while the readers read: its stored chunks fall to what it holds, and every read lists each of the user's datasets once, and
 * nothing else.
 */
describe('Owner list compaction (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  let owner = '';
  const all: string[] = [];

  const documents = () => ownerListDocuments(testApp.config.mongodb.uri, owner);
  const bulk = (count: number, prefix: string): Promise<string[]> => bulkFor(admin, owner, count, prefix);

  beforeAll(async () => {
    admin = testApp.api();
    owner = (await createUserWithToken(admin)).id;
    all.push(...(await bulk(CREATED, 'first')));
  });

  it('compacts a sparse list at its next removal, readers seeing exactly the datasets the user owns throughout', async () => {
    const requested = new Set<string>();
    const done = new Set<string>();
    const failures: string[] = [];
    let reads = 0;
    let deleting = false;
    const reader = async (): Promise<void> => {
      while (deleting) {
        const doneBefore = new Set(done);
        const { body } = await admin.get(`/users/${owner}`).expect(200);
        const seen: string[] = body.datasetIds;
        reads++;
        const requestedAfter = new Set(requested);
        if (new Set(seen).size !== seen.length) failures.push(`a read listed a dataset twice`);
        const missed = all.filter((id) => !requestedAfter.has(id) && !seen.includes(id));
        const extra = seen.filter((id) => doneBefore.has(id) || !all.includes(id));
        if (missed.length > 0) failures.push(`a read missed ${missed.length} datasets`);
        if (extra.length > 0) failures.push(`a read listed ${extra.length} datasets gone before it`);
      }
    };
    const deleter = async (queue: string[]): Promise<void> => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        requested.add(id);
        await admin.delete(`/datasets/${id}`).query({ permanent: true }).expect(204);
        done.add(id);
      }
    };
    for (let round = 1; round <= ROUNDS; round++) {
      await spreadOwnerList(testApp.config.mongodb.uri, owner, PER_CHUNK);
      const left = all.filter((id) => !done.has(id));
      expect((await documents())[0].chunks).toBe(Math.ceil(left.length / PER_CHUNK));
      deleting = true;
      const readers = Array.from({ length: READERS }, reader);
      // Spread over the list's chunks, so each removal rewrites a different one.
      const queue = left.filter((_, i) => i % 4 !== 0).slice(0, GONE_PER_ROUND);
      await Promise.all(Array.from({ length: DELETING_AT_ONCE }, () => deleter(queue)));
      deleting = false;
      await Promise.all(readers);
      // Packed at the round's first removal in a new generation (the spread one was generation 2 × round − 1), into as few
      // chunks as its entries then needed (rounds 1 and 2: 319 and 259 entries, 2 chunks; later 1), then left so.
      const docs = await documents();
      const kept = CREATED - round * GONE_PER_ROUND;
      const packed = left.length - 1 > 256 ? [`${owner}:g${2 * round}:1`] : [];
      expect(docs.map(({ _id }) => _id)).toEqual([owner, ...packed]);
      expect(docs.reduce((sum, { entries }) => sum + entries, 0)).toBe(kept);
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(ROUNDS * READERS);
    const { body } = await admin.get(`/users/${owner}`).expect(200);
    expect([...body.datasetIds].sort()).toEqual(all.filter((id) => !done.has(id)).sort());
  }, 300_000);
});

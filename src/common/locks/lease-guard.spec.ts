import { createConnection, Schema } from 'mongoose';
import { LeaseLostError } from '../errors/domain-errors';
import { assertLeasesHeld, LEASE_SAFETY_MS, leaseGuard, runUnderLease } from './lease-guard';

const inSeconds = (seconds: number): Date => new Date(Date.now() + seconds * 1000);

describe('lease guard', () => {
  it('lets work write while every lease it runs under is held and not about to expire', async () => {
    await expect(runUnderLease({ key: 'a', expiresAt: inSeconds(5) }, async () => assertLeasesHeld())).resolves.toBeUndefined();
  });

  it('refuses a write under a lease found taken by another holder', async () => {
    await expect(runUnderLease({ key: 'dataset:1', expiresAt: inSeconds(5), lost: true }, async () => assertLeasesHeld())).rejects.toThrow(
      new LeaseLostError('dataset:1 was taken over by another holder; retry'),
    );
  });

  it('refuses a write too close to the expiry of an outer lease, nested locks included', async () => {
    const outer = { key: 'user:1', expiresAt: new Date(Date.now() + LEASE_SAFETY_MS / 2) };
    const work = runUnderLease(outer, () => runUnderLease({ key: 'dataset:2', expiresAt: inSeconds(5) }, async () => assertLeasesHeld()));
    await expect(work).rejects.toThrow(new LeaseLostError('user:1 could not be renewed in time; retry'));
  });

  it('no longer binds work that outlives the lock it started under', async () => {
    const lease = { key: 'dataset:3', expiresAt: new Date(Date.now() - 1000), released: true };
    await expect(runUnderLease(lease, async () => assertLeasesHeld())).resolves.toBeUndefined();
  });

  it('is checked by the Mongoose plugin before a write is sent, but not for the locks themselves', async () => {
    const connection = createConnection();
    connection.plugin(leaseGuard);
    // Never connected, and no buffering: a write that passes the guard fails at once for want of a server.
    const Thing = connection.model('Thing', new Schema({ name: String }, { bufferCommands: false }));
    const Lock = connection.model('Lock', new Schema({ _id: String }, { collection: 'locks', bufferCommands: false }));
    const lost = { key: 'thing:1', expiresAt: inSeconds(5), lost: true };
    const writes: (() => Promise<unknown>)[] = [
      () => Thing.updateOne({}, { name: 'x' }).exec(),
      () => Thing.deleteOne({}).exec(),
      () => Thing.findOneAndUpdate({}, { name: 'x' }).exec(),
      () => new Thing({ name: 'x' }).save(),
    ];
    for (const write of writes) await expect(runUnderLease(lost, write)).rejects.toBeInstanceOf(LeaseLostError);
    const release = runUnderLease(lost, () => Lock.deleteOne({ _id: 'thing:1' }).exec());
    await expect(release).rejects.toThrow(/bufferCommands/);
    await connection.close();
  });
});

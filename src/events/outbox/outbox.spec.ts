import { Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { Change, Outbox } from './outbox';
import { OutboxEvent } from './event-factory';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxRelay } from './outbox-relay';

const deleted = (id: Types.ObjectId): Change<'user.deleted'> => ({ type: 'user.deleted', id, sequence: 2, data: { id: id.toHexString() } });

function setup() {
  const steps: string[] = [];
  const mark = jest.fn(
    async (events: OutboxEvent[]) => void steps.push(`mark ${events.map((e) => `${e.type} ${e.entity}:${e.entityId}`).join()}`),
  );
  const markEntities = jest.fn(async (keys: string[]) => void steps.push(`mark whole ${keys.join()}`));
  const wake = jest.fn(() => void steps.push('wake'));
  const outbox = new Outbox(
    strictMock<OutboxMarkersRepository>('markers', { mark, markEntities }),
    strictMock<OutboxRelay>('relay', { wake }),
  );
  return { outbox, steps, mark, markEntities, wake };
}

describe(Outbox.name, () => {
  it('builds the event, runs the write with it, then marks the event with its copy and wakes the relay', async () => {
    const { outbox, steps } = setup();
    const id = new Types.ObjectId();
    const result = await outbox.recordChange(deleted(id), async (event) => {
      steps.push(`write ${event.type} ${event.entity}:${event.entityId} #${event.sequence}`);
      return 'written';
    });
    expect(result).toBe('written');
    expect(steps).toEqual([`write user.deleted user:${id.toHexString()} #2`, `mark user.deleted user:${id.toHexString()}`, 'wake']);
  });

  it('tracks nothing when the write throws', async () => {
    const { outbox, mark, wake } = setup();
    await expect(outbox.recordChange(deleted(new Types.ObjectId()), () => Promise.reject(new Error('name taken')))).rejects.toThrow(
      'name taken',
    );
    expect(mark).not.toHaveBeenCalled();
    expect(wake).not.toHaveBeenCalled();
  });

  it('for many entities, gives each change its own event and tracks only the documents the write stored', async () => {
    const { outbox, mark } = setup();
    const [stored, refused] = [new Types.ObjectId(), new Types.ObjectId()];
    const written = await outbox.recordChanges([deleted(stored), deleted(refused)], async (events) => {
      expect(events.map((event) => event.entityId)).toEqual([stored.toHexString(), refused.toHexString()]);
      expect(new Set(events.map((event) => event.id)).size).toBe(2);
      return [{ _id: stored }];
    });
    expect(written).toEqual([{ _id: stored }]);
    expect(mark).toHaveBeenCalledWith([expect.objectContaining({ entity: 'user', entityId: stored.toHexString(), type: 'user.deleted' })]);
  });

  it('marks an entity tracked without an event written through it whole: the relay reads its outbox', async () => {
    const { outbox, steps } = setup();
    const id = new Types.ObjectId();
    await outbox.track('dataset', [id]);
    expect(steps).toEqual([`mark whole dataset:${id.toHexString()}`, 'wake']);
  });
});

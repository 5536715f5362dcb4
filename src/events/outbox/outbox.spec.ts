import { Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { Change, Outbox } from './outbox';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxRelay } from './outbox-relay';

const deleted = (id: Types.ObjectId): Change<'user.deleted'> => ({ type: 'user.deleted', id, sequence: 2, data: { id: id.toHexString() } });

function setup() {
  const steps: string[] = [];
  const mark = jest.fn(async (written: { key: string; events: number }[]) => void steps.push(`mark ${JSON.stringify(written)}`));
  const wake = jest.fn(() => void steps.push('wake'));
  const outbox = new Outbox(strictMock<OutboxMarkersRepository>('markers', { mark }), strictMock<OutboxRelay>('relay', { wake }));
  return { outbox, steps, mark, wake };
}

describe(Outbox.name, () => {
  it('builds the event, runs the write with it, then marks the entity with one event and wakes the relay', async () => {
    const { outbox, steps } = setup();
    const id = new Types.ObjectId();
    const result = await outbox.recordChange(deleted(id), async (event) => {
      steps.push(`write ${event.type} ${event.entity}:${event.entityId} #${event.sequence}`);
      return 'written';
    });
    expect(result).toBe('written');
    expect(steps).toEqual([
      `write user.deleted user:${id.toHexString()} #2`,
      `mark [{"key":"user:${id.toHexString()}","events":1}]`,
      'wake',
    ]);
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
    expect(mark).toHaveBeenCalledWith([{ key: `user:${stored.toHexString()}`, events: 1 }]);
  });
});

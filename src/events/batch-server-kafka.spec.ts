import type { Consumer, EachBatchPayload } from '@nestjs/microservices/external/kafka.interface';
import { BATCH_HANDLER, BatchServerKafka, CoalescedCommits, ConsumedBatch } from './batch-server-kafka';

/** A promise with its resolve and reject at hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ([resolve, reject] = [res, rej]));
  return { promise, resolve, reject };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(CoalescedCommits.name, () => {
  it('commits once per ask while idle, and once more for all the asks that came during a commit', async () => {
    const answers: ReturnType<typeof deferred>[] = [];
    const commits = new CoalescedCommits(() => {
      answers.push(deferred());
      return answers[answers.length - 1].promise;
    });
    const first = commits.ask();
    expect(answers).toHaveLength(1);
    const second = commits.ask();
    const third = commits.ask();
    expect(answers).toHaveLength(1); // one in flight at a time

    let secondSettled = false;
    void second.then(() => (secondSettled = true));
    answers[0].resolve();
    await turn();
    expect(answers).toHaveLength(2); // the asks during the first: one more commit
    expect(secondSettled).toBe(false); // not before a commit that started after it
    answers[1].resolve();
    await Promise.all([first, second, third]);
    expect(answers).toHaveLength(2);

    const fourth = commits.ask();
    expect(answers).toHaveLength(3);
    answers[2].resolve();
    await fourth;
  });

  it('gives the askers a failed commit, and commits again on the next ask', async () => {
    let calls = 0;
    const commits = new CoalescedCommits(async () => {
      calls += 1;
      if (calls === 1) throw new Error('REBALANCE_IN_PROGRESS');
    });
    await expect(commits.ask()).rejects.toThrow('REBALANCE_IN_PROGRESS');
    await commits.ask();
    expect(calls).toBe(2);
  });
});

describe(BatchServerKafka.name, () => {
  const topic = 'msg_collection';

  /** The server bound to a fake consumer, with a batch handler that records what it got; the eachBatch kafkajs would call. */
  async function boundServer(): Promise<{
    runOptions: Record<string, unknown>;
    eachBatch: (payload: EachBatchPayload) => Promise<void>;
    handled: ConsumedBatch[];
  }> {
    const server = new BatchServerKafka({ client: { brokers: ['127.0.0.1:1'] }, parser: { keepBinary: true } });
    const handled: ConsumedBatch[] = [];
    server.addHandler(topic, async (batch: ConsumedBatch) => void handled.push(batch), true, BATCH_HANDLER);
    let runOptions: Record<string, unknown> = {};
    const consumer = {
      subscribe: jest.fn(async () => undefined),
      run: jest.fn(async (options: Record<string, unknown>) => void (runOptions = options)),
    } as unknown as Consumer;
    await server.bindEvents(consumer);
    return { runOptions, eachBatch: runOptions.eachBatch as (payload: EachBatchPayload) => Promise<void>, handled };
  }

  function batchPayload(running: boolean, commit: Promise<void>): EachBatchPayload & { committed: jest.Mock; resolved: jest.Mock } {
    const uncommitted = { topics: [{ topic, partitions: [{ partition: 2, offset: '8' }] }] };
    const committed = jest.fn(() => commit);
    const resolved = jest.fn();
    return {
      batch: {
        topic,
        partition: 2,
        messages: [6, 7].map((offset) => ({ key: Buffer.from('k'), value: Buffer.from('{}'), headers: {}, offset: String(offset) })),
        lastOffset: () => '7',
      },
      resolveOffset: resolved,
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: committed,
      uncommittedOffsets: () => uncommitted,
      isRunning: () => running,
      isStale: () => false,
      committed,
      resolved,
    } as unknown as EachBatchPayload & { committed: jest.Mock; resolved: jest.Mock };
  }

  it('runs the consumer without kafkajs auto-commit, which would await a commit per batch before fetching again', async () => {
    const { runOptions } = await boundServer();
    expect(runOptions).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
  });

  it('resolves a handled batch and commits the resolved offsets without making the fetch loop wait for the commit', async () => {
    const { eachBatch, handled } = await boundServer();
    const commit = deferred();
    const payload = batchPayload(true, commit.promise);
    await eachBatch(payload); // returns although the commit is not answered

    expect(handled.map((batch) => batch.messages.map((message) => message.offset))).toEqual([['6', '7']]);
    expect(payload.resolved).toHaveBeenCalledWith('7');
    expect(payload.committed).toHaveBeenCalledWith({ topics: [{ topic, partitions: [{ partition: 2, offset: '8' }] }] });
    commit.resolve();
  });

  it('waits for the commit of the last batch when the consumer is stopping, and does not throw when it fails', async () => {
    const { eachBatch } = await boundServer();
    const commit = deferred();
    let returned = false;
    const handling = eachBatch(batchPayload(false, commit.promise)).then(() => (returned = true));
    await turn();
    expect(returned).toBe(false);
    commit.reject(new Error('NOT_COORDINATOR'));
    await handling;
    expect(returned).toBe(true);
  });
});

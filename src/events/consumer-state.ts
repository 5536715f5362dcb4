import { Injectable, Logger } from '@nestjs/common';
import { Consumer } from 'kafkajs';

/**
 * Where the audit consumer stands in its group: `starting` until it first
 * joins (and again after a crash it restarts from), `joined` while it reads,
 * `rebalancing` while the group redistributes partitions, `stopped` once it
 * gave up or the application shut it down.
 */
export type ConsumerGroupState = 'starting' | 'joined' | 'rebalancing' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerGroupState;
  since: Date;
  /** Partitions of the topic this instance reads, as of the last join. */
  partitions: number[];
  /** Why it stopped, when it did so by failing. */
  error?: string;
}

/**
 * The audit consumer's state for readiness. The consumer joins its group in
 * the background (HTTP is served before, see startApp), so the state comes
 * from kafkajs' events rather than from start-up having finished.
 */
@Injectable()
export class AuditConsumerState {
  private readonly logger = new Logger(AuditConsumerState.name);
  private current: ConsumerStatus = { state: 'starting', since: new Date(), partitions: [] };

  status(): ConsumerStatus {
    return { ...this.current, partitions: [...this.current.partitions] };
  }

  /** Follows the events of a consumer of `topic` (called for every consumer the transport creates). */
  follow(consumer: Consumer, topic: string): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.set('joined', payload.memberAssignment[topic] ?? []));
    consumer.on(consumer.events.REBALANCING, () => this.set('rebalancing'));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts the consumer after a retriable error: it is joining again, not gone.
      if (payload.restart) this.set('starting');
      else this.stopped(payload.error);
    });
    consumer.on(consumer.events.STOP, () => this.set('stopped'));
  }

  /** The consumer could not start or gave up: readiness reports it until a restart. */
  stopped(error: Error): void {
    this.logger.error(`the audit consumer stopped: ${error.message}`);
    this.set('stopped', [], error.message);
  }

  private set(state: ConsumerGroupState, partitions = this.current.partitions, error?: string): void {
    this.current = { state, since: new Date(), partitions: state === 'joined' ? partitions : [], ...(error ? { error } : {}) };
  }
}

import { Prop } from '@nestjs/mongoose';
import { OutboxEvent } from './event-factory';

/** The fields a document needs to carry its own outbox (see Outbox): extended by User and Dataset. */
export abstract class OutboxEntity {
  /** Sequence number of the entity's last event. */
  @Prop({ required: true, default: 0 })
  rev: number;

  /** Events of committed changes not yet published. */
  @Prop({ type: [Object], default: [] })
  outbox: OutboxEvent[];
}

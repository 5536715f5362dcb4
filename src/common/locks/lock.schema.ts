import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A held lock: the document exists while someone holds it. Taking a lock is
 * an insert into the unique `_id` index, the one write that is atomic on
 * every store we run on (FerretDB's SQLite backend applies updates as
 * read-then-write, so a conditional update is not a safe compare-and-set).
 */
@Schema({ collection: 'locks', versionKey: false })
export class Lock {
  /** What is locked, e.g. `dataset:<id>`. */
  @Prop({ type: String, required: true })
  _id: string;

  /** Identifies this holding of the lock, so that only the holder releases it. */
  @Prop({ required: true })
  token: string;

  /** Why it is held; others may care (dataset creates refuse an owner held for deletion). */
  @Prop({ required: true })
  purpose: string;

  /** A lock left by a crashed process stops counting after this instant. */
  @Prop({ required: true })
  expiresAt: Date;
}

export const LockSchema = SchemaFactory.createForClass(Lock);

import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { Scope } from '../../access/principal';

/** A registry API token: never its secret, only a hash of the whole token (see token-format.ts). */
@Schema({ collection: 'api_tokens', versionKey: false })
export class ApiToken {
  /** The token's public id, the 16 hex digits after `dsr_`: a token is found by `_id`, one lookup. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ required: true })
  name: string;

  /** SHA-256 (hex) of the whole token. */
  @Prop({ required: true })
  hash: string;

  /** As granted (not expanded: `write` reads too, see scopesFrom). */
  @Prop({ type: [String], required: true })
  scopes: Scope[];

  /** The token sees only these datasets (hex ids); absent: every dataset its user may. */
  @Prop({ type: [String], default: undefined })
  datasetIds?: string[];

  @Prop({ type: Date })
  expiresAt?: Date;

  @Prop({ required: true })
  createdAt: Date;

  /** Who made it (the user, an admin, or the bootstrap configuration: absent). */
  @Prop({ type: Types.ObjectId })
  createdBy?: Types.ObjectId;

  /** Updated at most once a minute (see TokensService). */
  @Prop({ type: Date })
  lastUsedAt?: Date;
}

export const ApiTokenSchema = SchemaFactory.createForClass(ApiToken);
ApiTokenSchema.index({ userId: 1, createdAt: 1 });

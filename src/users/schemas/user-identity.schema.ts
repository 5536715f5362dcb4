import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** An identity-provider subject linked to a registry user (OIDC_USER_CLAIM=sub). */
@Schema({ collection: 'user_identities', versionKey: false })
export class UserIdentity {
  /** `<issuer>#<subject>`: unique by construction, and found by `_id` alone. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ required: true })
  createdAt: Date;
}

export const UserIdentitySchema = SchemaFactory.createForClass(UserIdentity);

export function identityKey(issuer: string, subject: string): string {
  return `${issuer}#${subject}`;
}

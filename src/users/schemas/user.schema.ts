import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Types } from 'mongoose';
import { OutboxEntity } from '../../events/outbox/outbox-entity';

@Schema({ collection: 'users', timestamps: true, versionKey: false })
export class User extends OutboxEntity {
  _id: Types.ObjectId;

  @Prop({ required: true })
  name: string;

  /** Lower-cased name: case-insensitive search and sort. */
  @Prop({ required: true })
  nameKey: string;

  @Prop({ required: true })
  email: string;

  /** Lower-cased e-mail; its unique index makes e-mails unique case-insensitively. */
  @Prop({ required: true })
  emailKey: string;

  @Prop()
  organization?: string;

  @Prop()
  role?: string;

  @Prop({ type: Object, default: {} })
  attributes: Record<string, string>;

  /** A platform operator (see src/auth). Absent on users from before access control: not an admin. */
  @Prop()
  admin?: boolean;

  /** Set when the user is deleted: the document stays, invisible, until its last events are published. */
  @Prop({ type: Date })
  deletedAt?: Date;

  createdAt: Date;
  updatedAt: Date;
}

export type UserDocument = HydratedDocument<User>;

export const UserSchema = SchemaFactory.createForClass(User);
UserSchema.index({ emailKey: 1 }, { unique: true });
UserSchema.index({ nameKey: 1, _id: 1 });
UserSchema.index({ createdAt: 1, _id: 1 });
UserSchema.index({ organization: 1 });
UserSchema.index({ role: 1 });
// The search's pages of live users, by each sort.
UserSchema.index({ deletedAt: 1, createdAt: 1, _id: 1 });
UserSchema.index({ deletedAt: 1, nameKey: 1, _id: 1 });

import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertUnique } from '../common/mongo/unique-inserts';
import { identityKey, UserIdentity } from './schemas/user-identity.schema';

/** The one place that touches `user_identities`. */
@Injectable()
export class UserIdentitiesRepository {
  constructor(@InjectModel(UserIdentity.name) private readonly identities: Model<UserIdentity>) {}

  async userOf(issuer: string, subject: string): Promise<Types.ObjectId | undefined> {
    const found = await this.identities.findById(identityKey(issuer, subject)).lean<UserIdentity>().exec();
    return found?.userId;
  }

  /** Links the identity to the user; false when it is linked already (to whomever). */
  link(issuer: string, subject: string, userId: Types.ObjectId): Promise<boolean> {
    return insertUnique(this.identities, { _id: identityKey(issuer, subject), userId, createdAt: new Date() });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertUnique } from '../common/mongo/unique-inserts';
import { ApiToken } from './schemas/api-token.schema';

/** The one place that touches the `api_tokens` collection. */
@Injectable()
export class TokensRepository {
  constructor(@InjectModel(ApiToken.name) private readonly tokens: Model<ApiToken>) {}

  /** False when a token of that id exists (ids are random: retry with another). */
  insert(token: ApiToken): Promise<boolean> {
    return insertUnique(this.tokens, token);
  }

  /** By `_id` alone: the one lookup FerretDB answers without a scan, on every authenticated request. */
  findById(id: string): Promise<ApiToken | null> {
    return this.tokens.findById(id).lean<ApiToken>().exec();
  }

  listOf(userId: Types.ObjectId): Promise<ApiToken[]> {
    return this.tokens.find({ userId }).sort({ createdAt: 1, _id: 1 }).lean<ApiToken[]>().exec();
  }

  countOf(userId: Types.ObjectId): Promise<number> {
    return this.tokens.countDocuments({ userId }).exec();
  }

  /** Deletes the user's token; false when the user has no token of that id. */
  async remove(userId: Types.ObjectId, id: string): Promise<boolean> {
    const result = await this.tokens.deleteOne({ _id: id, userId }).exec();
    return result.deletedCount > 0;
  }

  /** Replaces a token (the bootstrap token, when its configured value changed). */
  async replace(token: ApiToken): Promise<void> {
    await this.tokens.replaceOne({ _id: token._id }, token, { upsert: true }).exec();
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.tokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } }).exec();
  }
}

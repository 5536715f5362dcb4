import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model } from 'mongoose';

/**
 * An instance's sign of life, renewed every few seconds while it runs and removed when it stops: one
 * that is not renewed tells the relay an instance died, perhaps between a write and its marker, so its
 * scan for lost markers is due (see LostMarkerScans).
 */
@Schema({ collection: 'relay_beats', versionKey: false })
export class RelayBeat {
  /** The instance's id, made at its start. */
  @Prop({ type: String, required: true })
  _id: string;

  /** When it last beat, by its own clock. */
  @Prop({ type: Date, required: true })
  at: Date;
}

export const RelayBeatSchema = SchemaFactory.createForClass(RelayBeat);
RelayBeatSchema.index({ at: 1 });

/** The one place that touches the `relay_beats` collection (one small document per running instance). */
@Injectable()
export class RelayBeatsRepository {
  constructor(@InjectModel(RelayBeat.name) private readonly beats: Model<RelayBeat>) {}

  async beat(instanceId: string, at: Date): Promise<void> {
    await this.beats.updateOne({ _id: instanceId }, { $set: { at } }, { upsert: true }).exec();
  }

  async remove(instanceId: string): Promise<void> {
    await this.beats.deleteOne({ _id: instanceId }).exec();
  }

  /** Removes the beats last renewed before `before` and returns their instances' ids (a beat renewed meanwhile stays). */
  async takeStale(before: Date): Promise<string[]> {
    const stale = await this.beats
      .find({ at: { $lt: before } }, { _id: 1 })
      .lean()
      .exec();
    if (stale.length === 0) return [];
    await this.beats.deleteMany({ _id: { $in: stale.map(({ _id }) => _id) }, at: { $lt: before } }).exec();
    return stale.map(({ _id }) => _id);
  }
}

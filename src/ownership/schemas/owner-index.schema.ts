import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The datasets that may belong to one user: every dataset is listed here
 * before it is given to the user (created for or transferred to them), and
 * taken off after it left. A superset of the truth, never the truth itself:
 * readers check each listed dataset's `ownerId`. It exists so that "the
 * datasets of user X" is a few lookups by id instead of a query FerretDB would
 * answer by scanning every dataset.
 */
@Schema({ collection: 'dataset_owner_index', versionKey: false })
export class OwnerDatasetList {
  /** The user's id. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: [String], default: [] })
  datasetIds: string[];
}

export const OwnerDatasetListSchema = SchemaFactory.createForClass(OwnerDatasetList);

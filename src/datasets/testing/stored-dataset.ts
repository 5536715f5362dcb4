import { Types } from 'mongoose';
import { Dataset } from '../schemas/dataset.schema';

/** A stored dataset as the unit specs of DatasetsModule start from: active, owned by `ownerId`, no fields or records. */
export function storedDataset(ownerId: Types.ObjectId, overrides: Partial<Dataset> = {}): Dataset {
  const now = new Date('2026-11-28T12:00:00Z');
  return {
    _id: new Types.ObjectId(),
    seq: 7,
    ownerId,
    name: 'power',
    nameKey: 'power',
    tags: [],
    fields: [],
    state: 'active',
    rev: 1,
    outbox: [],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

import { strictMock } from '../../common/testing/strict-mock';
import { queryResult } from '../../common/testing/mongoose-mocks';

/**
 * The seq keys' model of DatasetsRepository (see DatasetSeqKey): keys are
 * written, removed and found by id only; by default no number has a key (as
 * for datasets of older versions), so a lookup by seq reads the datasets.
 */
export function seqKeysModel(methods: Record<string, unknown> = {}): jest.Mocked<never> {
  return strictMock<never>('DatasetSeqKey model', {
    collection: { insertMany: jest.fn(async () => ({ acknowledged: true })) },
    deleteOne: jest.fn(() => queryResult({ deletedCount: 1 })),
    deleteMany: jest.fn(() => queryResult({ deletedCount: 1 })),
    findById: jest.fn(() => queryResult(null)),
    ...methods,
  });
}

/** The mark notes' model of DatasetsRepository (see DatasetMark): noted, dropped and read by kind and time; by default none is due. */
export function datasetMarksModel(methods: Record<string, unknown> = {}): jest.Mocked<never> {
  return strictMock<never>('DatasetMark model', {
    collection: { updateOne: jest.fn(async () => ({ acknowledged: true })), insertMany: jest.fn(async () => ({ acknowledged: true })) },
    updateOne: jest.fn(() => queryResult({ matchedCount: 1 })),
    deleteOne: jest.fn(() => queryResult({ deletedCount: 1 })),
    deleteMany: jest.fn(() => queryResult({ deletedCount: 1 })),
    find: jest.fn(() => queryResult([])),
    ...methods,
  });
}

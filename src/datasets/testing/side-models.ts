import { strictMock } from '../../common/testing/strict-mock';
import { queryResult } from '../../common/testing/mongoose-mocks';

/**
 * The seq keys' model of DatasetsRepository (see SeqKeys): keys are written, removed and found by id only; by default no
 * number has a key (and datasetMarksModel says nothing is settled, as on a database of older versions), so a lookup by seq
 * reads the datasets.
 */
export function seqKeysModel(methods: Record<string, unknown> = {}, collection: Record<string, unknown> = {}): jest.Mocked<never> {
  return strictMock<never>('DatasetSeqKey model', {
    collection: { insertMany: jest.fn(async () => ({ acknowledged: true })), findOne: jest.fn(async () => null), ...collection },
    deleteOne: jest.fn(() => queryResult({ deletedCount: 1 })),
    deleteMany: jest.fn(() => queryResult({ deletedCount: 1 })),
    ...methods,
  });
}

/**
 * The mark notes' model of DatasetsRepository (see DatasetMark): noted, dropped and read by kind and time; by default none is
 * due and nothing older versions left is settled (SETTLED_IDS).
 */
export function datasetMarksModel(methods: Record<string, unknown> = {}, collection: Record<string, unknown> = {}): jest.Mocked<never> {
  return strictMock<never>('DatasetMark model', {
    collection: {
      updateOne: jest.fn(async () => ({ acknowledged: true })),
      insertMany: jest.fn(async () => ({ acknowledged: true })),
      findOne: jest.fn(async () => null),
      ...collection,
    },
    updateOne: jest.fn(() => queryResult({ matchedCount: 1 })),
    deleteOne: jest.fn(() => queryResult({ deletedCount: 1 })),
    deleteMany: jest.fn(() => queryResult({ deletedCount: 1 })),
    find: jest.fn(() => queryResult([])),
    ...methods,
  });
}

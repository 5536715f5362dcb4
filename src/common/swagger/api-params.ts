import { ApiParam } from '@nestjs/swagger';
import { OBJECT_ID_PATTERN } from '../validation/text';

/** `:id` of a user route: exactly what ParseObjectIdPipe accepts. */
export const ApiUserIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    description: 'User id.',
    type: String,
    schema: { type: 'string', pattern: OBJECT_ID_PATTERN, example: '6650c0ffee0000000000a001' },
  });

/** What ParseDatasetRefPipe accepts: a 24-hex-digit id or a registration number. */
export const DATASET_REF_PATTERN = `^(?:${OBJECT_ID_PATTERN.slice(1, -1)}|[1-9][0-9]{0,14})$`;

/**
 * `:id` of a dataset route: its id or its `seq`. The example is dataset number 1, which the fuzzer
 * holds with points, a version and a tag; deleting takes number 2, so that the example request of
 * DELETE does not take dataset 1 away from those of every other route (test/fuzz/fuzz-fixtures.ts).
 */
export const ApiDatasetRefParam = (example = '1'): MethodDecorator =>
  ApiParam({
    name: 'id',
    description: 'Dataset id, or its registration number (`seq`).',
    type: String,
    schema: { type: 'string', pattern: DATASET_REF_PATTERN, example },
  });

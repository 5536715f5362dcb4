import { HttpStatus, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { Principal } from '../access/principal';
import { BulkOutcomes, BulkSummary } from '../common/bulk/bulk-outcomes';
import { DomainError } from '../common/errors/domain-errors';
import { searchKey } from '../common/mongo/text';
import { validateItem } from '../common/validation/validate-item';
import { ownerFor } from './dataset-access';
import { DatasetRegistration } from './dataset-registration';
import { nameDetails, rejectWith } from './dataset-rules';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { quickCreateDataset } from './dto/create-dataset-quick-check';
import { DatasetResponseDto, toDatasetResponse } from './dto/dataset-response.dto';

/** POST /datasets/bulk: each item validated and checked on its own, then registered together (DatasetRegistration). */
@Injectable()
export class DatasetsBulkService {
  constructor(private readonly registration: DatasetRegistration) {}

  /** Registers many datasets; each item succeeds or fails on its own (see BulkOutcomes). */
  async createMany(items: unknown[], principal: Principal): Promise<BulkSummary<DatasetResponseDto>> {
    const outcomes = new BulkOutcomes<DatasetResponseDto>(items.length);
    const valid: { index: number; dto: CreateDatasetDto; ownerId: string }[] = [];
    for (const [index, item] of items.entries()) {
      // Most items plainly keep the rules: the full validator (and its wording of a 400) only for the others.
      const quick = quickCreateDataset(item);
      const result = quick ? { ok: true as const, value: quick } : await validateItem(CreateDatasetDto, item);
      if (!result.ok) {
        outcomes.reject(index, HttpStatus.BAD_REQUEST, result.message, result.details);
        continue;
      }
      try {
        valid.push({ index, dto: result.value, ownerId: ownerFor(result.value, principal).toHexString() });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        rejectWith(outcomes, index, error);
      }
    }

    const firstWithName = new Map<string, number>();
    for (const { index, dto, ownerId } of valid) {
      const key = `${ownerId}/${searchKey(dto.name)}`;
      const first = firstWithName.get(key);
      if (first === undefined) firstWithName.set(key, index);
      else outcomes.reject(index, HttpStatus.CONFLICT, `same owner and name as item ${first} of this request`, nameDetails(dto.name));
    }

    const candidates = valid.filter(({ index }) => !outcomes.isDecided(index));
    const registered = await this.registration.register(
      candidates.map(({ dto, ownerId }) => ({ dto, ownerId: new Types.ObjectId(ownerId) })),
      principal,
    );
    registered.forEach((result, i) => {
      if (result instanceof DomainError) rejectWith(outcomes, candidates[i].index, result);
      else outcomes.accept(candidates[i].index, toDatasetResponse(result));
    });
    return outcomes.summary();
  }
}

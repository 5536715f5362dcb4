import { HttpStatus } from '@nestjs/common';
import { errorBody } from '../errors/error-body';
import { ErrorResponseDto, FieldErrorDto } from '../errors/error-response.dto';

export type BulkItemOutcome<T> =
  { index: number; status: 'created'; item: T } | { index: number; status: 'rejected'; error: ErrorResponseDto };

export interface BulkSummary<T> {
  created: number;
  rejected: number;
  items: BulkItemOutcome<T>[];
}

/** Collects the outcome of each item of a bulk request, reported in input order. */
export class BulkOutcomes<T> {
  private readonly outcomes = new Map<number, BulkItemOutcome<T>>();

  constructor(readonly size: number) {}

  reject(index: number, status: HttpStatus, message: string, details?: FieldErrorDto[]): void {
    this.outcomes.set(index, { index, status: 'rejected', error: errorBody(status, message, details) });
  }

  accept(index: number, item: T): void {
    this.outcomes.set(index, { index, status: 'created', item });
  }

  isDecided(index: number): boolean {
    return this.outcomes.has(index);
  }

  summary(): BulkSummary<T> {
    const items = [...this.outcomes.values()].sort((a, b) => a.index - b.index);
    if (items.length !== this.size) throw new Error(`bulk outcome missing for ${this.size - items.length} item(s)`);
    const created = items.filter((item) => item.status === 'created').length;
    return { created, rejected: items.length - created, items };
  }
}

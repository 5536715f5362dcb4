import { FactoryProvider, Injectable, Type } from '@nestjs/common';
import { EventEntity } from '../contract';
import { OutboxSource } from './outbox-source';

/**
 * The outbox's sources by entity, for the relay. Each module that owns one
 * lists `outboxSource(entity, Repository)` among its providers; events sits
 * below users and datasets, so it never imports them (see docs/outbox.md).
 */
@Injectable()
export class OutboxSources {
  private readonly byEntity = new Map<EventEntity, OutboxSource>();

  register(entity: EventEntity, source: OutboxSource): void {
    if (this.byEntity.has(entity)) throw new Error(`a second outbox source for ${entity}`);
    this.byEntity.set(entity, source);
  }

  has(entity: EventEntity | undefined): boolean {
    return entity !== undefined && this.byEntity.has(entity);
  }

  get(entity: EventEntity | undefined): OutboxSource | undefined {
    return entity === undefined ? undefined : this.byEntity.get(entity);
  }

  entries(): [EventEntity, OutboxSource][] {
    return [...this.byEntity.entries()];
  }
}

/** The provider that registers `repository` as the outbox's source of `entity` (Nest builds every provider at start-up, before the relay's first round). */
export function outboxSource(entity: EventEntity, repository: Type<OutboxSource>): FactoryProvider<OutboxSource> {
  return {
    provide: Symbol(`outbox source: ${entity}`),
    inject: [OutboxSources, repository],
    useFactory: (sources: OutboxSources, source: OutboxSource) => {
      sources.register(entity, source);
      return source;
    },
  };
}

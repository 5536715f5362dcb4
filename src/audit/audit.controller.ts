import { Controller, Get, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { concatMap, filter, finalize, from, interval, map, merge, Observable, of, switchMap } from 'rxjs';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { AuditLog } from '../events/audit-log/audit-log';
import { AuditEventPageDto } from '../events/audit-log/registry-event.dto';
import { EventFiltersDto, SearchEventsQueryDto } from '../events/audit-log/search-events-query.dto';
import { RegistryEvent } from '../events/contract';
import { EventTail } from '../events/event-tail';
import { EventVisibility } from './event-visibility';

const HEARTBEAT_MS = 15_000;

@ApiTags('events')
@Controller('events')
export class AuditController {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly tail: EventTail,
    private readonly visibility: EventVisibility,
  ) {}

  @Get()
  @Access('read')
  @ApiOperation({
    summary: 'The audit log: every event consumed from the topic, once',
    description:
      'Admins see every event; anyone else the events about themselves, the changes they made, and the events of datasets they owned at the time or may read now. Filters combine with AND; ordered by `occurredAt`. Cursor-paged.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiErrorResponses(400)
  async searchEvents(@Query() query: SearchEventsQueryDto, @CurrentPrincipal() principal: Principal): Promise<AuditEventPageDto> {
    return this.auditLog.search(query, await this.visibility.scopeOf(principal));
  }

  @Sse('stream')
  @Access('read')
  @ApiOperation({
    summary: 'Live feed of events (Server-Sent Events)',
    description:
      'Each event arrives as an SSE message whose `type` is the event type and whose `data` is the event JSON; the caller sees what GET /events would show them. The first message, of type `ready`, says the feed is live; a `heartbeat` follows every 15 s. Optionally filtered like GET /events. Send the bearer token in the `Authorization` header (an EventSource polyfill that sets headers, or curl).',
  })
  // Only the 200 is a stream: a 400 or 429 is the usual JSON error, so no @ApiProduces for the whole route.
  @ApiOkResponse({ description: 'A text/event-stream of events.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiErrorResponses(400)
  streamEvents(@Query() filters: EventFiltersDto, @CurrentPrincipal() principal: Principal): Observable<MessageEvent> {
    const follower = this.tail.follow();
    const visible = this.visibility.filterFor(principal);
    const matches = (event: RegistryEvent): boolean =>
      (!filters.type || event.type === filters.type) &&
      (!filters.entity || event.entity === filters.entity) &&
      (!filters.entityId || event.entityId === filters.entityId) &&
      (!filters.ownerId || event.ownerId === filters.ownerId) &&
      (!filters.actorId || (event.actor?.type === 'user' && event.actor.userId === filters.actorId));
    return from(follower.ready).pipe(
      switchMap(() =>
        merge(
          of<MessageEvent>({ type: 'ready', data: {} }),
          follower.events.pipe(
            filter(matches),
            // In order: each event is checked before the next is let through.
            concatMap(async (event) => ((await visible(event)) ? event : undefined)),
            filter((event): event is RegistryEvent => event !== undefined),
            map((event): MessageEvent => ({ id: event.id, type: event.type, data: event })),
          ),
          interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} }))),
        ),
      ),
      finalize(() => follower.release()),
    );
  }
}

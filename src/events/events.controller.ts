import { Controller, Get, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { filter, finalize, from, map, merge, Observable, of, switchMap, interval } from 'rxjs';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { AuditLog } from './audit/audit-log';
import { AuditEventPageDto } from './audit/registry-event.dto';
import { EventFiltersDto, SearchEventsQueryDto } from './audit/search-events-query.dto';
import { RegistryEvent } from './contract';
import { EventTail } from './event-tail';

const HEARTBEAT_MS = 15_000;

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly tail: EventTail,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The audit log: every event consumed from the topic, once',
    description: 'Filters combine with AND; ordered by `occurredAt`. Cursor-paged.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiErrorResponses(400)
  searchEvents(@Query() query: SearchEventsQueryDto): Promise<AuditEventPageDto> {
    return this.auditLog.search(query);
  }

  @Sse('stream')
  @ApiOperation({
    summary: 'Live feed of events (Server-Sent Events)',
    description:
      'Each event arrives as an SSE message whose `type` is the event type and whose `data` is the event JSON. The first message, of type `ready`, says the feed is live; a `heartbeat` follows every 15 s. Optionally filtered like GET /events.',
  })
  // Only the 200 is a stream: a 400 or 429 is the usual JSON error, so no @ApiProduces for the whole route.
  @ApiOkResponse({ description: 'A text/event-stream of events.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiErrorResponses(400)
  streamEvents(@Query() filters: EventFiltersDto): Observable<MessageEvent> {
    const follower = this.tail.follow();
    const matches = (event: RegistryEvent): boolean =>
      (!filters.type || event.type === filters.type) &&
      (!filters.entity || event.entity === filters.entity) &&
      (!filters.entityId || event.entityId === filters.entityId) &&
      (!filters.ownerId || event.ownerId === filters.ownerId);
    return from(follower.ready).pipe(
      switchMap(() =>
        merge(
          of<MessageEvent>({ type: 'ready', data: {} }),
          follower.events.pipe(
            filter(matches),
            map((event): MessageEvent => ({ id: event.id, type: event.type, data: event })),
          ),
          interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} }))),
        ),
      ),
      finalize(() => follower.release()),
    );
  }
}

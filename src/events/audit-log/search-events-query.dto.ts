import { IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsDateTime } from '../../common/validation/date-time';
import { IsObjectIdString } from '../../common/validation/text';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsNotBefore } from '../../common/validation/time-range.dto';
import { EVENT_ENTITIES, EVENT_TYPES, EventEntity, EventType } from '../contract';

export class EventFiltersDto {
  @IsOptional()
  @IsIn(EVENT_TYPES)
  type?: EventType;

  @IsOptional()
  @IsIn(EVENT_ENTITIES)
  entity?: EventEntity;

  @IsOptional()
  @IsObjectIdString()
  entityId?: string;

  @IsOptional()
  @IsObjectIdString()
  ownerId?: string;

  /** Only changes made by this user. */
  @IsOptional()
  @IsObjectIdString()
  actorId?: string;
}

class OccurredRangeDto {
  /** Events that occurred at or after this instant (RFC 3339). */
  @IsOptional()
  @IsDateTime()
  from?: string;

  /** Events that occurred before this instant (RFC 3339). */
  @IsOptional()
  @IsDateTime()
  @IsNotBefore('from')
  to?: string;
}

export class SearchEventsQueryDto extends IntersectionType(EventFiltersDto, OccurredRangeDto, PageQueryDto) {}

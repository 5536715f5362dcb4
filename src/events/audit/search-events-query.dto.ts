import { IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/is-object-id';
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
}

class OccurredRangeDto {
  /** Events that occurred at or after this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  /** Events that occurred before this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @IsNotBefore('from')
  to?: string;
}

export class SearchEventsQueryDto extends IntersectionType(EventFiltersDto, OccurredRangeDto, PageQueryDto) {}

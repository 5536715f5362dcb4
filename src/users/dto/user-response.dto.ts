import { ApiProperty } from '@nestjs/swagger';
import { Types } from 'mongoose';
import { AsJson, SameShape } from '../../common/types/json-shape';
import { UserState } from '../../events/contract';
import { User } from '../schemas/user.schema';

export class UserResponseDto {
  /** @example '6650c0ffee0000000000a001' */
  id: string;

  /** @example 'Aaron' */
  name: string;

  /** @example 'aaron@example.com' */
  email: string;

  /** @example 'Forecasting Lab' */
  organization?: string;

  /** @example 'data-scientist' */
  role?: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'energy' } })
  attributes: Record<string, string>;

  /**
   * Ids of the datasets this user owns, oldest first: exactly the datasets whose `ownerId` is this user.
   * @example ['6650c0ffee0000000000d001']
   */
  datasetIds: string[];

  /** @example 1 */
  datasetCount: number;

  createdAt: Date;
  updatedAt: Date;
}

export class UserPageDto {
  items: UserResponseDto[];

  /** Pass as `cursor` to get the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

/** The response without the derived mapping, once serialised, is exactly the event contract's UserState (see dataset-response.dto.ts). */
export const RESPONSE_IS_EVENT_STATE: SameShape<AsJson<Omit<UserResponseDto, 'datasetIds' | 'datasetCount'>>, UserState> = true;

/** The user as carried by its events (see events/contract): the response without the derived mapping. */
export function toUserState(user: User): UserState {
  const { datasetIds: _ids, datasetCount: _count, createdAt, updatedAt, ...fields } = toUserResponse(user, []);
  return { ...fields, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

export function toUserResponse(user: User, datasetIds: readonly Types.ObjectId[]): UserResponseDto {
  const response: UserResponseDto = {
    id: user._id.toHexString(),
    name: user.name,
    email: user.email,
    attributes: user.attributes ?? {},
    datasetIds: datasetIds.map((id) => id.toHexString()),
    datasetCount: datasetIds.length,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
  if (user.organization !== undefined) response.organization = user.organization;
  if (user.role !== undefined) response.role = user.role;
  return response;
}

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

  /**
   * Shown to the user themselves and to admins only.
   * @example 'aaron@example.com'
   */
  email?: string;

  /** @example 'Forecasting Lab' */
  organization?: string;

  /** @example 'data-scientist' */
  role?: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'energy' } })
  attributes: Record<string, string>;

  /**
   * A platform operator: with a token carrying the `admin` scope, may do everything.
   * @example false
   */
  admin: boolean;

  /**
   * Ids of the datasets this user owns that the caller may read, oldest first (all of them for the user themselves and admins).
   * @example ['6650c0ffee0000000000d001']
   */
  datasetIds: string[];

  /**
   * How many of the user's datasets the caller may read.
   * @example 1
   */
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

/**
 * The response without the derived mapping, once serialised, is the event
 * contract's UserState — but for `email`, which responses show only to the
 * user and admins, and `admin`, optional in the contract (added later).
 */
type StateFromResponse = Omit<AsJson<Omit<UserResponseDto, 'datasetIds' | 'datasetCount' | 'email' | 'admin'>>, never> &
  Pick<UserState, 'email' | 'admin'>;
export const RESPONSE_IS_EVENT_STATE: SameShape<{ [K in keyof StateFromResponse]: StateFromResponse[K] }, UserState> = true;

/** The user as carried by its events (see events/contract): every field, without the derived mapping. */
export function toUserState(user: User): UserState {
  const { datasetIds: _ids, datasetCount: _count, createdAt, updatedAt, ...fields } = toUserResponse(user, [], true);
  return { ...fields, email: user.email, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

/** The user as the API shows it: its e-mail only to whom `showEmail` says (the user and admins). */
export function toUserResponse(user: User, datasetIds: readonly Types.ObjectId[], showEmail: boolean): UserResponseDto {
  const response: UserResponseDto = {
    id: user._id.toHexString(),
    name: user.name,
    attributes: user.attributes ?? {},
    admin: user.admin === true,
    datasetIds: datasetIds.map((id) => id.toHexString()),
    datasetCount: datasetIds.length,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
  if (showEmail) response.email = user.email;
  if (user.organization !== undefined) response.organization = user.organization;
  if (user.role !== undefined) response.role = user.role;
  return response;
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Types } from 'mongoose';
import { ApiBulkBody, MAX_BULK_ITEMS, ParseBulkArrayPipe } from '../common/bulk/parse-bulk-array.pipe';
import { ApiUserIdParam } from '../common/swagger/api-params';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { DatasetPageDto } from '../datasets/dto/dataset-response.dto';
import { OwnedDatasetsQueryDto } from '../datasets/dto/search-datasets-query.dto';
import { BulkUsersResponseDto } from './dto/bulk-users-response.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { DeleteUserQueryDto } from './dto/delete-user-query.dto';
import { SearchUsersQueryDto } from './dto/search-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPageDto, UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';
import { UserAccountsService } from './user-accounts.service';
import { Access, CurrentCaller, CurrentPrincipal, OidcIdentity } from '../access/access.decorator';
import { Principal } from '../access/principal';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly usersService: UsersService,
    private readonly accounts: UserAccountsService,
  ) {}

  @Post()
  @Access('register')
  @ApiOperation({
    summary: 'Register a user',
    description:
      'An admin registers anyone. With USERS_SELF_REGISTRATION, an OIDC identity that has no user yet registers itself, with the e-mail its identity provider vouches for.',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 409, 413, 415)
  createUser(@Body() dto: CreateUserDto, @CurrentCaller() caller: Principal | OidcIdentity): Promise<UserResponseDto> {
    return 'userId' in caller ? this.usersService.create(dto, caller) : this.accounts.register(dto, caller);
  }

  @Post('bulk')
  @Access('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `Register up to ${MAX_BULK_ITEMS} users at once (e.g. a whole info.json)`,
    description:
      'Each item is stored or rejected on its own; the response reports every item in request order. Rejected items leave no trace.',
  })
  @ApiBulkBody(CreateUserDto)
  @ApiOkResponse({ type: BulkUsersResponseDto })
  @ApiErrorResponses(400, 413, 415)
  createUsers(@Body(ParseBulkArrayPipe) items: unknown[], @CurrentPrincipal() principal: Principal): Promise<BulkUsersResponseDto> {
    return this.usersService.createMany(items, principal);
  }

  @Get()
  @Access('read')
  @ApiOperation({
    summary: 'Search users',
    description:
      'All filters combine with AND (`email` for admins only). Cursor-paged. E-mail addresses show for the caller and to admins only.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrorResponses(400)
  searchUsers(@Query() query: SearchUsersQueryDto, @CurrentPrincipal() principal: Principal): Promise<UserPageDto> {
    return this.usersService.search(query, principal);
  }

  @Get('me')
  @Access('read')
  @ApiOperation({ summary: 'The calling user', description: 'Whom the bearer token names, with their datasets.' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses()
  getCurrentUser(@CurrentPrincipal() principal: Principal): Promise<UserResponseDto> {
    return this.usersService.findOne(principal.userId, principal);
  }

  @Get(':id')
  @Access('read')
  @ApiUserIdParam()
  @ApiOperation({ summary: 'Get a user with the ids of the datasets they own that the caller may read' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 404)
  getUser(@Param('id', ParseObjectIdPipe) id: Types.ObjectId, @CurrentPrincipal() principal: Principal): Promise<UserResponseDto> {
    return this.usersService.findOne(id, principal);
  }

  @Get(':id/datasets')
  @Access('read')
  @ApiUserIdParam()
  @ApiOperation({ summary: "List a user's datasets that the caller may read", description: 'Same filters and paging as GET /datasets.' })
  @ApiOkResponse({ type: DatasetPageDto })
  @ApiErrorResponses(400, 404)
  listUserDatasets(
    @Param('id', ParseObjectIdPipe) id: Types.ObjectId,
    @Query() query: OwnedDatasetsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetPageDto> {
    return this.usersService.listDatasets(id, query, principal);
  }

  @Patch(':id')
  @Access('write')
  @ApiUserIdParam()
  @ApiOperation({ summary: 'Change a user', description: 'The user themselves or an admin; `admin` only an admin, and not their own.' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 404, 409, 413, 415)
  updateUser(
    @Param('id', ParseObjectIdPipe) id: Types.ObjectId,
    @Body() dto: UpdateUserDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserResponseDto> {
    return this.usersService.update(id, dto, principal);
  }

  @Delete(':id')
  @Access('admin')
  @ApiUserIdParam()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user',
    description:
      'Admins only (not themselves). A user who owns datasets — datasets in their trash included — is only deleted with `cascade=true`, which purges those datasets too (live and trashed); otherwise 409, saying how many are in the trash (`DELETE /datasets/{id}?permanent=true` frees one at once).',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrorResponses(400, 404, 409)
  deleteUser(
    @Param('id', ParseObjectIdPipe) id: Types.ObjectId,
    @Query() query: DeleteUserQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.usersService.remove(id, query.cascade, principal);
  }
}

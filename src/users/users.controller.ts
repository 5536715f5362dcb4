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

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly usersService: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Register a user' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 409, 413, 415)
  createUser(@Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.usersService.create(dto);
  }

  @Post('bulk')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `Register up to ${MAX_BULK_ITEMS} users at once (e.g. a whole info.json)`,
    description:
      'Each item is stored or rejected on its own; the response reports every item in request order. Rejected items leave no trace.',
  })
  @ApiBulkBody(CreateUserDto)
  @ApiOkResponse({ type: BulkUsersResponseDto })
  @ApiErrorResponses(400, 413, 415)
  createUsers(@Body(ParseBulkArrayPipe) items: unknown[]): Promise<BulkUsersResponseDto> {
    return this.usersService.createMany(items);
  }

  @Get()
  @ApiOperation({ summary: 'Search users', description: 'All filters combine with AND. Cursor-paged.' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrorResponses(400)
  searchUsers(@Query() query: SearchUsersQueryDto): Promise<UserPageDto> {
    return this.usersService.search(query);
  }

  @Get(':id')
  @ApiUserIdParam()
  @ApiOperation({ summary: 'Get a user with the ids of the datasets they own' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 404)
  getUser(@Param('id', ParseObjectIdPipe) id: Types.ObjectId): Promise<UserResponseDto> {
    return this.usersService.findOne(id);
  }

  @Get(':id/datasets')
  @ApiUserIdParam()
  @ApiOperation({ summary: "List a user's datasets", description: 'Same filters and paging as GET /datasets.' })
  @ApiOkResponse({ type: DatasetPageDto })
  @ApiErrorResponses(400, 404)
  listUserDatasets(@Param('id', ParseObjectIdPipe) id: Types.ObjectId, @Query() query: OwnedDatasetsQueryDto): Promise<DatasetPageDto> {
    return this.usersService.listDatasets(id, query);
  }

  @Patch(':id')
  @ApiUserIdParam()
  @ApiOperation({ summary: 'Change a user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(400, 404, 409, 413, 415)
  updateUser(@Param('id', ParseObjectIdPipe) id: Types.ObjectId, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return this.usersService.update(id, dto);
  }

  @Delete(':id')
  @ApiUserIdParam()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user',
    description: 'A user who owns datasets is only deleted with `cascade=true`, which deletes those datasets too; otherwise 409.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrorResponses(400, 404, 409)
  deleteUser(@Param('id', ParseObjectIdPipe) id: Types.ObjectId, @Query() query: DeleteUserQueryDto): Promise<void> {
    return this.usersService.remove(id, query.cascade);
  }
}

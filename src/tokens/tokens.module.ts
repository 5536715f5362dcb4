import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersStoreModule } from '../users/users-store.module';
import { ApiToken, ApiTokenSchema } from './schemas/api-token.schema';
import { TokensController } from './tokens.controller';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

/** Registry API tokens: `/users/{id}/tokens`, and their verification for the authentication middleware. */
@Module({
  imports: [MongooseModule.forFeature([{ name: ApiToken.name, schema: ApiTokenSchema }]), UsersStoreModule],
  controllers: [TokensController],
  providers: [TokensService, TokensRepository],
  exports: [TokensService],
})
export class TokensModule {}

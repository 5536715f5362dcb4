import { DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { AuditLogModule } from '../events/audit-log/audit-log.module';

/** Just enough of the service for `archive replay --into-audit-log`: the configured database and the audit log. */
@Module({})
export class ArchiveReplayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ArchiveReplayModule,
      imports: [
        ConfigModule.forRoot(config),
        MongooseModule.forRoot(config.mongodb.uri, { serverSelectionTimeoutMS: 5000 }),
        AuditLogModule,
      ],
    };
  }
}

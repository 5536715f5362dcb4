import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ArchiveModule } from './archive/archive.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { HttpRateLimitGuard, rateLimitOptions } from './common/http/rate-limit';
import { configureConnection } from './common/mongo/connection-setup';
import { loggerOptions } from './common/logging/logger.options';
import { RejectUnexpectedQueryGuard } from './common/validation/reject-unexpected-query.guard';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AccessGuard } from './access/access.guard';
import { AccessModule } from './access/access.module';
import { AuthModule } from './auth/auth.module';
import { AuditModule } from './audit/audit.module';
import { AppConfig } from './config/app-config';
import { TokensModule } from './tokens/tokens.module';
import { ConfigModule } from './config/config.module';
import { DatasetsModule } from './datasets/datasets.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RecordsModule } from './records/records.module';
import { VersionsModule } from './records/versions/versions.module';
import { TracingShutdown } from './telemetry/tracing-shutdown';
import { UiModule } from './ui/ui.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `logDestination`: where log lines go instead of stdout (the tests keep them for a failing test). */
  static forRoot(config: AppConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule.forRoot({ enabled: config.http.metricsEnabled }),
        LoggerModule.forRoot(loggerOptions(config, logDestination)),
        MongooseModule.forRoot(config.mongodb.uri, {
          serverSelectionTimeoutMS: 5000,
          connectionFactory: configureConnection,
        }),
        ThrottlerModule.forRoot(rateLimitOptions(config.http.rateLimitPerMinute)),
        HealthModule,
        UsersModule,
        DatasetsModule,
        RecordsModule,
        VersionsModule,
        EventsModule,
        AuditModule,
        TokensModule,
        AccessModule,
        AuthModule,
        ArchiveModule,
        UiModule,
      ],
      providers: [
        // Registered here rather than with app.useGlobal*() so that the Kafka
        // handlers (inheritAppConfig) and test-built apps get them too.
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // In this order: the rate limit counts every request (per identity, per IP when anonymous), then access is decided,
        // then the query is checked.
        { provide: APP_GUARD, useClass: HttpRateLimitGuard },
        { provide: APP_GUARD, useExisting: AccessGuard },
        { provide: APP_GUARD, useClass: RejectUnexpectedQueryGuard },
        TracingShutdown,
      ],
    };
  }
}

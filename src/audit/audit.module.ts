import { Module } from '@nestjs/common';
import { DatasetsModule } from '../datasets/datasets.module';
import { EventsModule } from '../events/events.module';
import { AuditController } from './audit.controller';
import { EventVisibility } from './event-visibility';

/**
 * The HTTP face of the events: the audit log (GET /events) and the live feed
 * (GET /events/stream), each showing a caller only what they may see. Its own
 * module because deciding that needs the datasets, which build on EventsModule.
 */
@Module({
  imports: [EventsModule, DatasetsModule],
  controllers: [AuditController],
  providers: [EventVisibility],
})
export class AuditModule {}

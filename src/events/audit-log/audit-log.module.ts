import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditEvent, AuditEventSchema } from './audit-event.schema';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditLog } from './audit-log';

/**
 * The audit log's storage on its own, so that what fills it besides the
 * consumer (`npm run archive -- replay --into-audit-log`) writes through the
 * same idempotent AuditLog.record() and never touches the collection itself.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: AuditEvent.name, schema: AuditEventSchema }])],
  providers: [AuditLog, AuditEventsRepository],
  exports: [AuditLog],
})
export class AuditLogModule {}

import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ArchiveService } from './archive.service';
import { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/** The archive of the events topic in object storage (ARCHIVE_ENABLED); its status is part of GET /health. */
@Module({
  providers: [
    { provide: ObjectStore, inject: [AppConfig], useFactory: (config: AppConfig) => new S3ObjectStore(config.archive.s3) },
    ArchiveService,
  ],
  exports: [ArchiveService, ObjectStore],
})
export class ArchiveModule {}

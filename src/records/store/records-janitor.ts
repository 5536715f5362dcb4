import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Types } from 'mongoose';
import { runEvery } from '../../common/scheduling/run-every';
import { DatasetsService } from '../../datasets/datasets.service';
import { notedBucketIds, UPLOAD_ABANDONED_AFTER_MS } from '../schemas/record-upload.schema';
import { RecordsRepository } from './records.repository';
import { VersionsRepository } from './versions.repository';

const SWEEP_EVERY_MS = 60_000;

/**
 * Finishes the paperwork of records writes whose process died (see
 * SeriesWrite): if the write's series became the dataset's current one, the
 * documents it replaced are deleted (but buckets a version holds); otherwise the documents it wrote are.
 */
@Injectable()
export class RecordsJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecordsJanitor.name);
  private stopSweeping?: () => void;

  constructor(
    private readonly repository: RecordsRepository,
    private readonly datasets: DatasetsService,
    private readonly versions: VersionsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'records sweep' });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
  }

  async sweep(now = new Date()): Promise<number> {
    const abandoned = await this.repository.findUploadsUntouchedSince(new Date(now.getTime() - UPLOAD_ABANDONED_AFTER_MS));
    for (const upload of abandoned) {
      const committed = (await this.datasets.recordSeriesIdOf(new Types.ObjectId(upload.datasetId))) === upload.seriesId;
      // What a committed write replaced may be held by a version sealed before it (never what it wrote).
      const held = committed ? await this.versions.heldBucketIds(upload.datasetId) : new Set<string>();
      const garbage = committed
        ? upload.oldIds.filter((id) => !held.has(id))
        : [...upload.newIds, ...notedBucketIds(upload), upload.seriesId];
      await this.repository.deleteDocuments(garbage);
      await this.repository.deleteUpload(upload._id);
      this.logger.log({ upload: upload._id, committed, removed: garbage.length }, 'cleaned up an abandoned records write');
    }
    return abandoned.length;
  }
}

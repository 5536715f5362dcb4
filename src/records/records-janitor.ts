import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { runEvery } from '../common/scheduling/run-every';
import { Dataset } from '../datasets/schemas/dataset.schema';
import { RecordBucket } from './schemas/record-bucket.schema';
import { RecordSeries } from './schemas/record-series.schema';
import { RecordUpload } from './schemas/record-upload.schema';

/** A write untouched this long belongs to a process that died. */
const ABANDONED_AFTER_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * Finishes the paperwork of records writes whose process died (see
 * SeriesWrite): if the write's series became the dataset's current one, the
 * documents it replaced are deleted; otherwise the documents it wrote are.
 */
@Injectable()
export class RecordsJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecordsJanitor.name);
  private stopSweeping?: () => void;

  constructor(
    @InjectModel(RecordUpload.name) private readonly uploads: Model<RecordUpload>,
    @InjectModel(RecordBucket.name) private readonly buckets: Model<RecordBucket>,
    @InjectModel(RecordSeries.name) private readonly series: Model<RecordSeries>,
    @InjectModel(Dataset.name) private readonly datasets: Model<Dataset>,
  ) {}

  onApplicationBootstrap(): void {
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'records sweep' });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
  }

  async sweep(now = new Date()): Promise<number> {
    const abandoned = await this.uploads
      .find({ touchedAt: { $lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } })
      .lean()
      .exec();
    for (const upload of abandoned) {
      const dataset = await this.datasets.findById(new Types.ObjectId(upload.datasetId), { recordSeriesId: 1, state: 1 }).lean().exec();
      const committed = dataset?.recordSeriesId === upload.seriesId;
      const garbage = committed ? upload.oldIds : [...upload.newIds, upload.seriesId];
      for (const id of garbage) {
        if (id.split(':').length === 2) await this.series.deleteOne({ _id: id }).exec();
        else await this.buckets.deleteOne({ _id: id }).exec();
      }
      await this.uploads.deleteOne({ _id: upload._id }).exec();
      this.logger.log({ upload: upload._id, committed, removed: garbage.length }, 'cleaned up an abandoned records write');
    }
    return abandoned.length;
  }
}

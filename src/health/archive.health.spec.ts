import { HealthIndicatorService } from '@nestjs/terminus';
import type { Admin } from 'kafkajs';
import { ArchiveService, ArchiveStatus } from '../archive/archive.service';
import { ObjectStore } from '../archive/object-store';
import { strictMock } from '../common/testing/strict-mock';
import { loadConfig } from '../config/load-config';
import { ArchiveHealthIndicator } from './archive.health';
import { HealthKafkaAdmin } from './kafka-admin';

const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:27118/db', KAFKA_BROKERS: '127.0.0.1:19092', ARCHIVE_ENABLED: 'true' });
const status: ArchiveStatus = { state: 'up', storage: 's3://b', groupId: 'g', pendingEvents: 2, storedObjects: 5, storedEvents: 50 };

function indicator(archiveStatus: ArchiveStatus, ping: () => Promise<void>): ArchiveHealthIndicator {
  const admin = strictMock<Admin>('Admin', {
    fetchTopicOffsets: () => Promise.resolve([{ partition: 0, offset: '10', high: '10', low: '0' }]),
    fetchOffsets: () => Promise.resolve([{ topic: config.kafka.topic, partitions: [{ partition: 0, offset: '7', metadata: null }] }]),
  });
  return new ArchiveHealthIndicator(
    config,
    new HealthIndicatorService(),
    strictMock<ArchiveService>('ArchiveService', { enabled: true, status: () => archiveStatus }),
    strictMock<ObjectStore>('ObjectStore', { ping }),
    strictMock<HealthKafkaAdmin>('HealthKafkaAdmin', { use: <T>(work: (a: Admin) => Promise<T>) => work(admin) }),
  );
}

describe(ArchiveHealthIndicator.name, () => {
  it('is up with the lag (end offset minus committed) while the storage answers', async () => {
    await expect(indicator(status, () => Promise.resolve()).isHealthy('archive')).resolves.toEqual({
      archive: { status: 'up', storage: 's3://b', lag: 3, pendingEvents: 2, storedObjects: 5 },
    });
  });

  it('is down when the storage does not answer', async () => {
    const result = await indicator(status, () => Promise.reject(new Error('connect ECONNREFUSED'))).isHealthy('archive');
    expect(result.archive).toMatchObject({ status: 'down', message: 'storage does not answer: connect ECONNREFUSED' });
  });

  it('is down while the archive is paused on a storage failure', async () => {
    const result = await indicator({ ...status, state: 'down', lastError: 'SlowDown' }, () => Promise.resolve()).isHealthy('archive');
    expect(result.archive).toMatchObject({ status: 'down', message: 'archiving paused: SlowDown' });
  });
});

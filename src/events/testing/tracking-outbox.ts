import { strictMock } from '../../common/testing/strict-mock';
import { Outbox } from '../outbox/outbox';
import { OutboxMarkersRepository } from '../outbox/outbox-markers.repository';
import { OutboxRelay } from '../outbox/outbox-relay';

/** The real Outbox (events built, writes run as in service) with its last step, track(), a jest.fn to assert on. */
export function trackingOutbox(): jest.Mocked<Outbox> {
  // A write of many changes runs as it is (the relay's clear, which would wait for it, is not here).
  const writing = <T>(work: () => Promise<T>): Promise<T> => work();
  const outbox = new Outbox(strictMock<OutboxMarkersRepository>('OutboxMarkers', {}), strictMock<OutboxRelay>('OutboxRelay', { writing }));
  outbox.track = jest.fn(async () => undefined);
  return outbox as jest.Mocked<Outbox>;
}

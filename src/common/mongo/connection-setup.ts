import { Connection } from 'mongoose';
import { leaseGuard } from '../locks/lease-guard';

/** What the app's connection gets before any model is compiled (MongooseModule's connectionFactory). */
export function configureConnection(connection: Connection): Connection {
  // Every write under a lock checks its lease.
  connection.plugin(leaseGuard);
  // Else every query records where it ran (a `new Error().stack`), read only to name a query object run twice.
  connection.base.set('skipOriginalStackTraces', true);
  return connection;
}

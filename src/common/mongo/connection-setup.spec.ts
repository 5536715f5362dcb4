import mongoose from 'mongoose';
import { leaseGuard } from '../locks/lease-guard';
import { configureConnection } from './connection-setup';

describe(configureConnection.name, () => {
  it("guards the connection's writes with their leases and keeps no stack trace per query", async () => {
    const connection = mongoose.createConnection();
    try {
      expect(configureConnection(connection)).toBe(connection);
      expect(connection.plugins).toContainEqual([leaseGuard, undefined]);
      expect(connection.base.get('skipOriginalStackTraces')).toBe(true);
    } finally {
      connection.base.set('skipOriginalStackTraces', false);
      await connection.close();
    }
  });
});

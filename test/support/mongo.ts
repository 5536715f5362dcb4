import { mongo } from 'mongoose';

/** Direct access to a test database, to check what the API must (not) have written. */
export async function withDatabase<T>(uri: string, work: (db: mongo.Db) => Promise<T>): Promise<T> {
  const client = new mongo.MongoClient(uri);
  try {
    await client.connect();
    return await work(client.db());
  } finally {
    await client.close();
  }
}

export async function countDocuments(uri: string): Promise<{ users: number; datasets: number }> {
  return withDatabase(uri, async (db) => ({
    users: await db.collection('users').countDocuments(),
    datasets: await db.collection('datasets').countDocuments(),
  }));
}

/** The MongoDB URI of `uri` with another database name. */
export function uriWithDatabase(uri: string, database: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${database}`);
}

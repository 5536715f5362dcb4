/**
 * The bare baseline of npm run bench:api: node:http, the MongoDB driver and
 * kafkajs doing the store work of the service's routes and nothing else —
 * a token check against an in-memory map, `POST /users` and `POST /datasets`
 * insert one document and publish one event, `GET /users/{id}` and
 * `GET /datasets/{id}` find one document by `_id`. Run in a process of its
 * own, like the service (see startBareServer); prints `listening <port>`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { mongo } from 'mongoose';

export interface BareServer {
  url: string;
  /** Its process id: what a benchmark reads the CPU time of. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts this file as a child process on `mongoUri` and `topic`; `token` is the one the map knows. */
export async function startBareServer(env: { mongoUri: string; brokers: string; topic: string; token: string }): Promise<BareServer> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename], {
    env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, '../../tsconfig.json'), BARE: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`the bare server exited: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function serve(): Promise<void> {
  const env = JSON.parse(process.env.BARE ?? '{}') as { mongoUri: string; brokers: string; topic: string; token: string };
  const client = new mongo.MongoClient(env.mongoUri);
  await client.connect();
  const db = client.db();
  const producer = new Kafka({ clientId: 'bare-baseline', brokers: env.brokers.split(','), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const principals = new Map([[`Bearer ${env.token}`, { userId: 'admin', admin: true }]]);

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  };
  const create = async (collection: string, type: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const now = new Date();
    const doc = { _id: new mongo.ObjectId(), ...body, rev: 1, createdAt: now, updatedAt: now };
    await db.collection(collection).insertOne(doc);
    const id = doc._id.toHexString();
    const event = { id: randomUUID(), type, entityId: id, rev: 1, occurredAt: now.toISOString(), data: { ...body, id } };
    await producer.send({ topic: env.topic, messages: [{ key: id, value: JSON.stringify(event) }] });
    return { ...body, id, createdAt: now, updatedAt: now };
  };
  const findById = async (collection: string, id: string): Promise<Record<string, unknown> | null> => {
    if (!mongo.ObjectId.isValid(id)) return null;
    const doc = await db.collection(collection).findOne({ _id: new mongo.ObjectId(id) });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { ...rest, id: _id.toHexString() };
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!principals.get(req.headers.authorization ?? '')) return send(res, 401, { statusCode: 401, error: 'Unauthorized' });
      const [, collection, id] = (req.url ?? '').split('?')[0].split('/');
      if (collection !== 'users' && collection !== 'datasets') return send(res, 404, { statusCode: 404 });
      if (req.method === 'POST' && id === undefined) {
        return send(res, 201, await create(collection, collection === 'users' ? 'user.created' : 'dataset.created', await readJson(req)));
      }
      const found = req.method === 'GET' && id ? await findById(collection, id) : null;
      send(res, found ? 200 : 404, found ?? { statusCode: 404 });
    })().catch((error: unknown) => send(res, 500, { statusCode: 500, message: String(error) }));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
  process.once('SIGTERM', () => {
    server.close();
    void Promise.all([producer.disconnect(), client.close()]).finally(() => process.exit(0));
  });
}

if (require.main === module) {
  serve().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

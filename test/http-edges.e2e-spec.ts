import * as net from 'node:net';
import { MAX_JSON_DEPTH } from '../src/common/http/json-body';
import { countDocuments } from './support/mongo';
import { useTestApp } from './support/test-app';

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(answer));
  });
}

function parseRaw(answer: string): { statusLine: string; headers: Record<string, string>; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { statusLine, headers, body: JSON.parse(body) };
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('HTTP edges (e2e)', () => {
  const testApp = useTestApp({ RATE_LIMIT_PER_MINUTE: '0' });

  describe('a method the path does not have', () => {
    it.each([
      ['PUT', '/users', 'GET, HEAD, OPTIONS, POST'],
      ['DELETE', '/users', 'GET, HEAD, OPTIONS, POST'],
      ['TRACE', '/users', 'GET, HEAD, OPTIONS, POST'],
      ['POST', '/health', 'GET, HEAD, OPTIONS'],
      ['PUT', '/users/6650c0ffee0000000000a001', 'DELETE, GET, HEAD, OPTIONS, PATCH'],
      ['PUT', '/datasets/1/records', 'DELETE, GET, HEAD, OPTIONS, POST'],
      // A concrete path is its own resource, not an id for /users/:id.
      ['GET', '/users/bulk', 'OPTIONS, POST'],
      ['DELETE', '/datasets/bulk', 'OPTIONS, POST'],
    ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
      const response = await testApp.api()[method.toLowerCase() as 'put'](path).expect(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.body).toEqual({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${method} is not allowed on ${path}; it allows ${allow}`,
      });
    });

    it('is a 405 before the body is looked at, and writes nothing', async () => {
      await testApp.api().put('/users').set('content-type', 'application/json').send('{"name": ').expect(405);
      await testApp.api().put('/users').set('content-type', 'text/plain').send('x').expect(405);
      // The one user is the bootstrap admin.
      expect(await countDocuments(testApp.config.mongodb.uri)).toEqual({ users: 1, datasets: 0 });
    });

    it('OPTIONS answers 204 with the Allow list; HEAD works where GET does', async () => {
      const options = await testApp.api().options('/datasets/6650c0ffee0000000000a001').expect(204);
      expect(options.headers.allow).toBe('DELETE, GET, HEAD, OPTIONS, PATCH');
      await testApp.api().head('/users').expect(200);
      const head = await testApp.api().head('/users/bulk').expect(405);
      expect(head.headers.allow).toBe('OPTIONS, POST');
    });

    it('a path that does not exist stays a 404, whatever the method', async () => {
      for (const method of ['get', 'put', 'options'] as const) {
        const response = await testApp.api()[method]('/no-such-thing').expect(404);
        expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
      await testApp.api().get('/users/6650c0ffee0000000000a001/nothing').expect(404);
    });
  });

  describe('errors below the application', () => {
    it('headers beyond the size limit → 431 in the JSON error shape, connection closed', async () => {
      const answer = await rawExchange(testApp.url, `GET /users HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      const { statusLine, headers, body } = parseRaw(answer);
      expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(headers['content-type']).toBe('application/json; charset=utf-8');
      expect(headers.connection).toBe('close');
      expect(body).toEqual({
        statusCode: 431,
        error: 'Request Header Fields Too Large',
        message: 'the request headers are larger than the 16 KB this server accepts',
      });
    });

    it.each([
      ['a malformed request line', 'GET /users HTTP/1.1 extra\r\nHost: x\r\n\r\n'],
      ['a header without a colon', 'GET /users HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n'],
      [
        'conflicting Content-Length and Transfer-Encoding',
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      [
        'a broken chunk size',
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ],
    ])('%s → 400 in the JSON error shape', async (_what, bytes) => {
      const { statusLine, headers, body } = parseRaw(await rawExchange(testApp.url, bytes));
      expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect(headers.connection).toBe('close');
      expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/^malformed HTTP request: .+/) });
    });

    it(`a JSON body nested deeper than ${MAX_JSON_DEPTH} levels → 400 before it is parsed`, async () => {
      for (const depth of [MAX_JSON_DEPTH + 1, 10_000]) {
        const response = await testApp
          .api()
          .post('/users')
          .set('content-type', 'application/json')
          .send(`{"name": ${nested(depth)}}`)
          .expect(400);
        expect(response.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`,
        });
      }
      // The one user is the bootstrap admin.
      expect(await countDocuments(testApp.config.mongodb.uri)).toEqual({ users: 1, datasets: 0 });
    });

    it('brackets inside strings do not count, and bodies within the limit are parsed as before', async () => {
      const name = `${'['.repeat(100)}\\"{{{`;
      const created = await testApp
        .api()
        .post('/users')
        .send(`{"name": "${name}", "email": "deep@example.com"}`)
        .set('content-type', 'application/json')
        .expect(201);
      expect(created.body.name).toBe(name.replace('\\"', '"'));
      const limit = await testApp
        .api()
        .post('/users')
        .set('content-type', 'application/json')
        .send(`{"name": ${nested(MAX_JSON_DEPTH - 1)}}`)
        .expect(400);
      expect(limit.body.message).not.toContain('nests deeper');
    });
  });
});

import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '../errors/error-body';

/** What Node's HTTP parser puts on the errors it emits as 'clientError'. */
interface ClientError extends Error {
  code?: string;
  reason?: string;
}

/** Node's own handler checks this too: once a response has started, a second one would corrupt the stream. */
interface ClientSocket extends Duplex {
  _httpMessage?: { headersSent?: boolean } | null;
}

function statusAndMessage(error: ClientError, headerLimit: number): { status: number; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `the request headers are larger than the ${Math.round(headerLimit / 1024)} KB this server accepts` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'the request did not arrive in time' };
    default:
      return { status: 400, message: `malformed HTTP request: ${error.reason ?? error.message}` };
  }
}

/**
 * The HTTP parser rejects some requests before express sees them (headers
 * beyond the size limit, broken framing) and Node answers those with an empty
 * body; answer them in the service's error shape instead. The connection is
 * closed afterwards: after a framing error nothing more on it can be trusted.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: ClientError, socket: ClientSocket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    // The server is created without its own limit, so Node's (--max-http-header-size) applies.
    const { status, message } = statusAndMessage(error, maxHeaderSize);
    const shape = errorBody(status, message);
    const body = JSON.stringify(shape);
    socket.end(
      `HTTP/1.1 ${status} ${shape.error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

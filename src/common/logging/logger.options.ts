import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { Params } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config';
import { messageLogFields, requestLogFields } from '../../telemetry/log-context';
import { REQUEST_ID_HEADER } from '../../telemetry/trace-context';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * JSON logs through pino. Each request gets an id (the caller's
 * X-Request-Id when it is sane, else a new UUID) that is echoed in the
 * response and attached to every log line of that request, with its trace
 * id (when tracing is on); a Kafka message's lines carry the trace and the
 * request id of the change it tells of. Lines go to
 * stdout unless a destination is given (the tests keep them for a failing test).
 */
export function loggerOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers[REQUEST_ID_HEADER];
      const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customProps: requestLogFields,
    mixin: messageLogFields,
    // Credentials never reach the logs.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // Health probes every few seconds would drown everything else.
    autoLogging: { ignore: (req) => req.url === '/health' },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

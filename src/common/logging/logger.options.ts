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
 * JSON logs through pino, each line with its request id (and trace ids); stdout unless a destination is
 * given (the tests keep lines for a failing test). See docs/configuration.md (the logs).
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

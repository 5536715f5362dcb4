import { INestApplication } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ErrorResponseDto, FieldErrorDto } from './common/errors/error-response.dto';
import { AppConfig } from './config/app-config';
import { createKafkaServer } from './events/kafka.transport';

/**
 * Builds the hybrid application (HTTP + Kafka consumer) exactly as it runs in
 * production; main.ts and the e2e tests both start it through here.
 */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.http.jsonBodyLimit, reviver: rejectPrototypeKeys, type: isBufferedJson });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  app.connectMicroservice({ strategy: createKafkaServer(config) }, { inheritAppConfig: true });
  return app;
}

/** Runs start-up hooks (topic creation, indexes) before the consumer and the HTTP port open. */
export async function startApp(app: INestApplication, config: AppConfig): Promise<void> {
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
}

/** JSON bodies are parsed up front, except records uploads: those are streamed (see RecordsController). */
function isBufferedJson(request: IncomingMessage): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' && !/^\/datasets\/[^/]+\/records(\?|$)/.test(request.url ?? '');
}

/** JSON.parse keeps `__proto__` as an own key; no body of ours has one, so it is refused outright (400). */
function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key in a JSON body');
  return value;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('Dataset registry')
    .setDescription(
      'Users, the datasets they register and their time-series records. Every change is published on the Kafka topic `msg_collection`.',
    )
    .setVersion('0.1.0')
    .build();
  return SwaggerModule.createDocument(app, options, { extraModels: [ErrorResponseDto, FieldErrorDto] });
}

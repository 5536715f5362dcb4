import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { ErrorResponseDto, FieldErrorDto } from './common/errors/error-response.dto';
import { answerClientErrors } from './common/http/client-errors';
import { explainJsonErrors, jsonBodyParserOptions, requireJsonBodies } from './common/http/json-body';
import { methodNotAllowed } from './common/http/method-not-allowed';
import { tightenRequestSchemas } from './common/swagger/strict-document';
import { withRequestMediaSchemas } from './common/swagger/request-media-schemas';
import { AppConfig } from './config/app-config';
import { AuditConsumerState } from './events/consumer-state';
import { createKafkaServer } from './events/kafka.transport';
import { httpMetrics } from './metrics/http-metrics';
import { RegistryMetrics } from './metrics/registry-metrics';
import { BEARER_SCHEME } from './access/access.decorator';
import { requestScopeMiddleware } from './telemetry/log-context';
import helmet from 'helmet';

/**
 * Builds the hybrid application (HTTP + Kafka consumer) exactly as it runs in
 * production; main.ts and the e2e tests both start it through here.
 */
export async function createApp(config: AppConfig, logDestination?: DestinationStream): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logDestination), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  // Before all: what the request does (its events' origin, its log lines) knows which request it is.
  app.use(requestScopeMiddleware);
  // First: every answer is timed, also the ones the middleware below gives (405, 400, 413).
  if (config.http.metricsEnabled) app.use(httpMetrics(app.get(RegistryMetrics)));
  // Helmet's defaults, but for upgrade-insecure-requests: served over plain HTTP (behind a TLS proxy, or locally), Swagger UI must load its own files.
  // The viewer's OIDC login posts its code to the identity provider's token endpoint: that origin is allowed to fetch, no other.
  const tokenUrl = config.auth.oidc?.viewerLogin?.tokenUrl;
  const directives: Record<string, string[] | null> = { 'upgrade-insecure-requests': null };
  if (tokenUrl) directives['connect-src'] = ["'self'", new URL(tokenUrl).origin];
  app.use(helmet({ contentSecurityPolicy: { directives } }));
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins === '*' ? '*' : [...config.http.corsOrigins],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'X-Dataset-Version', 'X-Dataset-Digest'],
    });
  }
  // Before body parsing: a method the path does not have is a 405 whatever its body.
  app.use(methodNotAllowed(app.getHttpAdapter().getInstance()));
  answerClientErrors(app.getHttpServer());
  app.useBodyParser('json', jsonBodyParserOptions(config.http.jsonBodyLimit));
  app.use(explainJsonErrors);
  app.use(requireJsonBodies);
  if (config.http.docsEnabled) {
    // "Authorize" in Swagger UI takes a bearer token and keeps it across reloads.
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'docs-json',
      swaggerOptions: { persistAuthorization: true },
    });
  }
  app.connectMicroservice({ strategy: createKafkaServer(config, app.get(AuditConsumerState)) }, { inheritAppConfig: true });
  return app;
}

/**
 * Runs start-up hooks (topic creation, indexes), opens the HTTP port, then
 * lets the audit consumer join its group in the background: joining can take
 * as long as the group's rebalance (a killed peer's session timeout), and the
 * API needs only MongoDB. /health/ready reports the consumer's state.
 */
export async function startApp(app: INestApplication, config: AppConfig): Promise<void> {
  await app.init();
  await app.listen(config.http.port, config.http.host);
  const state = app.get(AuditConsumerState);
  app.startAllMicroservices().catch((error: unknown) => state.stopped(error as Error));
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('Dataset registry')
    .setDescription(
      'Users, the datasets they register and their time-series records. Every change is published on the Kafka topic `msg_collection`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'registry API token (dsr_…) or OIDC JWT',
        description:
          'A registry API token (`dsr_…`, from POST /users/{id}/tokens or `npm run admin`) or an OIDC access token (JWT) from the platform identity provider.',
      },
      BEARER_SCHEME,
    )
    .build();
  return withRequestMediaSchemas(
    tightenRequestSchemas(SwaggerModule.createDocument(app, options, { extraModels: [ErrorResponseDto, FieldErrorDto] })),
  );
}

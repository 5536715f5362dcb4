import { NestFactory } from '@nestjs/core';
import { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../app.setup';
import { loadConfig } from '../config/load-config';

/** The OpenAPI document as the service serves it, built without a database or broker. */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  // Preview mode builds the module graph without instantiating providers.
  const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', KAFKA_BROKERS: '127.0.0.1:1' });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
  const document = buildOpenApiDocument(app);
  await app.close();
  return document;
}

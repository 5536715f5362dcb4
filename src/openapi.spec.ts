import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './app.setup';
import { loadConfig } from './config/load-config';

export const OPENAPI_FILE = path.resolve(__dirname, '../docs/openapi.json');

/**
 * The OpenAPI document is committed (docs/openapi.json) so that API changes
 * show up in review. This test fails when the code and the file disagree;
 * `npm run openapi` rewrites the file.
 */
describe('OpenAPI document', () => {
  it('matches docs/openapi.json', async () => {
    // Preview mode builds the module graph without instantiating providers: no database or broker needed.
    const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', KAFKA_BROKERS: '127.0.0.1:1' });
    const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
    const generated = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
    await app.close();

    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(OPENAPI_FILE, generated);
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    expect(JSON.parse(generated)).toEqual(JSON.parse(committed));
  });
});

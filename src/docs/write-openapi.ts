import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from './openapi';

/** `npm run openapi`: writes the OpenAPI document for client generation, without serving. */
async function writeOpenApi(target: string): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error'] });
  const document = buildOpenApiDocument(app);
  writeFileSync(resolve(target), `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${resolve(target)} (${Object.keys(document.paths).length} paths)\n`);
}

void writeOpenApi(process.argv[2] ?? 'openapi.json');

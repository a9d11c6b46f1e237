import { ModuleMetadata } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { buildOpenApiDocument } from '../../src/docs/openapi';
import { applyEnv } from './env';
import { checkedAgent, OpenApiContract, OpenApiDocument } from './openapi-contract';

export interface TestApp {
  app: NestExpressApplication;
  /** Every response is checked against the app's own OpenAPI document (test/support/openapi-contract.ts). */
  http: TestAgent;
  /** The same agent without that check, for a request the document cannot describe (say why where used). */
  rawHttp: TestAgent;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables for this app (restored on close). */
  env?: Record<string, string | undefined>;
  /** Extra controllers/providers, e.g. a probe controller for filter tests. */
  extra?: Pick<ModuleMetadata, 'controllers' | 'providers'>;
}

/**
 * Boots the real AppModule exactly as main.ts configures it, on a fresh DATA_DIR, with quiet
 * logs. Environment variables are applied before the module is compiled (config is read then).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-service-test-'));
  const env: Record<string, string | undefined> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  };
  const restoreEnv = applyEnv(env);
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule],
      controllers: options.extra?.controllers ?? [],
      providers: options.extra?.providers ?? [],
    }).compile();
    const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true }));
    await app.init();
    const rawHttp = request(app.getHttpServer());
    // Test-only controllers are not part of the app the document describes.
    const exempt = (options.extra?.controllers ?? []).map(
      (c) => `/${String(Reflect.getMetadata(PATH_METADATA, c)).replace(/^\/+/, '')}/`,
    );
    const contract = new OpenApiContract(await servedDocument(app, rawHttp), exempt);
    return {
      app,
      http: checkedAgent(rawHttp, contract),
      rawHttp,
      dataDir,
      close: async () => {
        await app.close();
        restoreEnv();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    restoreEnv();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The document the app serves at /docs-json (built again when the docs need a token). */
async function servedDocument(app: NestExpressApplication, http: TestAgent): Promise<OpenApiDocument> {
  const res = await http.get('/docs-json');
  if (res.status === 200) return res.body as OpenApiDocument;
  return buildOpenApiDocument(app) as unknown as OpenApiDocument;
}

import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BEARER_SCHEME, NO_BEARER_EXTENSION, SCOPE_FORBIDDEN_DESCRIPTION } from '../auth/scopes';
import { appConfig, AppConfig } from '../config/configuration';
import { SERVICE_NAME, SERVICE_VERSION } from '../config/service-info';
import { applyDocumentConventions } from './document-conventions';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const { publicBaseUrl } = app.get<AppConfig>(appConfig.KEY);
  const config = new DocumentBuilder()
    .setTitle('TalknShop media-service')
    .setDescription(
      'Turns what shoppers send into data: speech transcription, product-photo analysis and media storage.\n\n' +
        'Every error answers `{"error": {"code", "message", "details"}}` and carries the request id in `X-Request-Id`.',
    )
    .setVersion(SERVICE_VERSION)
    .addTag('media', 'Upload, metadata, download, delete, presigned uploads')
    .addTag('transcription', 'Speech to text jobs')
    .addTag('image-analysis', 'Labels, objects, text, faces, moderation, colours')
    .addTag('openai', 'OpenAI-compatible transcription at /v1 (errors in OpenAI’s shape)')
    .addTag('uploads', 'Resumable uploads (tus 1.0) into the media store')
    .addTag('health', 'Liveness and readiness probes')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'With AUTH_MODE=jwt: a JWT from the identity provider',
      },
      BEARER_SCHEME,
    )
    // Relative unless PUBLIC_BASE_URL says where callers reach the service.
    .addServer(publicBaseUrl ?? '/')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  // Routes that authenticate by other means (@PublicRoute) drop the controller's bearer requirement.
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as Array<Record<string, unknown>>) {
      if (!operation || typeof operation !== 'object') continue;
      // Open routes (probes, docs, the presigned PUT) say so explicitly: `security: []`.
      if (operation[NO_BEARER_EXTENSION] || !operation.security) operation.security = [];
      if (operation[NO_BEARER_EXTENSION]) {
        // ...and never give the controller's bearer answers: no 401, and no 403 for a missing scope
        // (a 403 of their own, such as a refused upload token, stays).
        const responses = operation.responses as Record<string, { description?: string }> | undefined;
        if (responses) {
          delete responses['401'];
          if (responses['403']?.description === SCOPE_FORBIDDEN_DESCRIPTION) delete responses['403'];
        }
      }
      delete operation[NO_BEARER_EXTENSION];
    }
  }
  return applyDocumentConventions(document);
}

const REDOC_BUNDLE = join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');
const FAVICON = join(dirname(require.resolve('swagger-ui-dist/package.json')), 'favicon-32x32.png');
/** ReDoc's sidebar shows a logo from cdn.redoc.ly: served from here instead, so the docs work offline. */
const REDOC_REMOTE_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const REDOC_LOCAL_LOGO = '/favicon.ico';

/**
 * Swagger UI at /docs, ReDoc at /redoc and the document at /docs-json. Every asset is served by
 * the service itself (swagger-ui-dist and redoc from node_modules) so the docs work offline.
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: `${SERVICE_NAME} API`,
    // The token entered with Authorize survives a page reload.
    swaggerOptions: { persistAuthorization: true },
  });
  const http = app.getHttpAdapter().getInstance() as import('express').Express;
  let redocBundle: string | undefined;
  http.get('/redoc/redoc.standalone.js', (_req: Request, res: Response) => {
    redocBundle ??= readFileSync(REDOC_BUNDLE, 'utf8').replaceAll(REDOC_REMOTE_LOGO, REDOC_LOCAL_LOGO);
    res.type('application/javascript').setHeader('Cache-Control', 'public, max-age=3600').send(redocBundle);
  });
  http.get('/favicon.ico', (_req: Request, res: Response) => {
    res.type('image/png').setHeader('Cache-Control', 'public, max-age=86400').sendFile(FAVICON);
  });
  http.get('/redoc', (_req: Request, res: Response) => {
    res.type('html').send(`<!DOCTYPE html>
<html lang="en">
  <head>
    <title>${SERVICE_NAME} API reference</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" type="image/png" href="/favicon.ico" />
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="/docs-json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>`);
  });
  return document;
}

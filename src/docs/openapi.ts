import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { dirname, join } from 'node:path';
import { BEARER_SCHEME, NO_BEARER_EXTENSION } from '../auth/scopes';
import { SERVICE_NAME, SERVICE_VERSION } from '../config/service-info';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
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
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  // Routes that authenticate by other means (@PublicRoute) drop the controller's bearer requirement.
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as Array<Record<string, unknown>>) {
      if (operation && typeof operation === 'object' && operation[NO_BEARER_EXTENSION]) {
        operation.security = [];
        delete operation[NO_BEARER_EXTENSION];
      }
    }
  }
  return document;
}

const REDOC_BUNDLE = join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');

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
  http.get('/redoc/redoc.standalone.js', (_req: Request, res: Response) => {
    res.type('application/javascript').sendFile(REDOC_BUNDLE);
  });
  http.get('/redoc', (_req: Request, res: Response) => {
    res.type('html').send(`<!DOCTYPE html>
<html lang="en">
  <head>
    <title>${SERVICE_NAME} API reference</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
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

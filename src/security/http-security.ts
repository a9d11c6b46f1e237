import { TUS_CORS_ALLOWED_HEADERS, TUS_CORS_EXPOSED_HEADERS, TUS_CORS_METHODS } from '../resumable/resumable.cors';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { JwtVerifier } from '../auth/jwt-verifier';
import { ErrorBody } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { securityConfig, SecurityConfig } from '../config/configuration';

const DOCS_PATHS = ['/docs', '/docs-json', '/docs-yaml', '/redoc'];

/**
 * Swagger UI and ReDoc are served from this service's own assets (offline): scripts from 'self'
 * only; both render inline styles and data: icons, ReDoc runs a blob: worker.
 */
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'", 'data:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * Headers and CORS, before any route: helmet everywhere (nosniff, frame and referrer policies;
 * API answers get a CSP that allows nothing, the docs one that lets them work offline), CORS only
 * for CORS_ORIGINS, and the docs behind a bearer token when AUTH_DOCS_PUBLIC=false.
 */
export function applyHttpSecurity(app: NestExpressApplication): void {
  const config = app.get<SecurityConfig>(securityConfig.KEY);
  const origins = config.corsOrigins;
  if (origins.length > 0) {
    app.enableCors({
      origin: origins.includes('*') ? '*' : origins,
      // tus (resumable uploads) adds PATCH and its own headers.
      methods: [...new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', ...TUS_CORS_METHODS])],
      allowedHeaders: [
        ...new Set([
          'Authorization',
          'Content-Type',
          'Range',
          'If-None-Match',
          'If-Range',
          'X-Request-Id',
          ...TUS_CORS_ALLOWED_HEADERS,
        ]),
      ],
      exposedHeaders: [
        ...new Set([
          'X-Request-Id',
          'Location',
          'ETag',
          'Retry-After',
          'Content-Range',
          'Content-Disposition',
          ...TUS_CORS_EXPOSED_HEADERS,
        ]),
      ],
      maxAge: 600,
      optionsSuccessStatus: 204,
    });
  }
  app.use(
    staticHeadersOf(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
        // Browsers on allowed origins may load downloads (img/audio tags) when CORS is on.
        crossOriginResourcePolicy: { policy: origins.length > 0 ? 'cross-origin' : 'same-origin' },
      }),
    ),
  );
  app.use(DOCS_PATHS, helmet.contentSecurityPolicy(DOCS_CSP));
  if (config.auth.mode === 'jwt' && !config.auth.docsPublic) {
    const verifier = app.get(JwtVerifier);
    app.use(DOCS_PATHS, (req: Request, res: Response, next: NextFunction) => {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return refuse(res);
      verifier.verify(token).then(
        () => next(),
        () => refuse(res),
      );
    });
  }
}

/**
 * helmet's headers do not depend on the request with this configuration: they are taken once from
 * a recording response and set from a list, instead of running helmet's dozen middlewares (and
 * building its CSP string) on every request.
 */
function staticHeadersOf(
  middleware: (req: Request, res: Response, next: (err?: unknown) => void) => void,
): (req: Request, res: Response, next: NextFunction) => void {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  let ran = false;
  middleware({ headers: {} } as Request, recorder as unknown as Response, () => (ran = true));
  if (!ran) throw new Error('helmet did not answer synchronously: its headers cannot be precomputed');
  const list = [...headers];
  return (_req, res, next) => {
    for (const [name, value] of list) res.setHeader(name, value);
    next();
  };
}

function refuse(res: Response): void {
  const body: ErrorBody = {
    error: {
      code: ErrorCode.UNAUTHORIZED,
      message: 'The API docs need a bearer token (AUTH_DOCS_PUBLIC=false)',
      details: {},
    },
  };
  res.setHeader('WWW-Authenticate', 'Bearer realm="media-service"');
  res.status(401).json(body);
}

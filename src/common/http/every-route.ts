import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

/**
 * What `forRoutes` takes to run a middleware on every request, whatever its path or method
 * (Nest mounts it as app.all('{*path}')).
 */
export const EVERY_ROUTE: RouteInfo = { path: '{*path}', method: RequestMethod.ALL };

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<Request>();

/** `https://host:port` as the client reached this service (for links when PUBLIC_BASE_URL is unset). */
export const RequestOrigin = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const req = requestOf(context);
  return `${req.protocol}://${req.get('host')}`;
});

/** true for HEAD (Express serves HEAD through the GET route): the headers without the body. */
export const IsHeadRequest = createParamDecorator(
  (_: unknown, context: ExecutionContext): boolean => requestOf(context).method === 'HEAD',
);

/** A raw request body as a stream, with a signal that fires when the client goes away mid-body. */
export interface RawBody {
  stream: Readable;
  signal: AbortSignal;
}

/** `@RawRequestBody()`: for routes that store the body as it is (no parser has read it). */
export const RawRequestBody = createParamDecorator((_: unknown, context: ExecutionContext): RawBody => {
  const req = requestOf(context);
  const controller = new AbortController();
  req.once('close', () => !req.complete && controller.abort());
  return { stream: req, signal: controller.signal };
});

/** A signal that fires when the client goes away before its answer is written: long synchronous work stops. */
export const ClientGoneSignal = createParamDecorator((_: unknown, context: ExecutionContext): AbortSignal => {
  const res = context.switchToHttp().getResponse<Response>();
  const controller = new AbortController();
  res.once('close', () => !res.writableFinished && controller.abort());
  return controller.signal;
});

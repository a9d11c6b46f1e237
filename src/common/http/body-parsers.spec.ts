import type { NextFunction, Request, Response } from 'express';
import { forRequestsWithBodies } from './body-parsers';

describe('forRequestsWithBodies', () => {
  const run = (method: string) => {
    const parser = jest.fn((_req: Request, _res: Response, next: NextFunction) => next());
    const next = jest.fn();
    forRequestsWithBodies('jsonParser', parser)({ method } as Request, {} as Response, next);
    return { parsed: parser.mock.calls.length, nexts: next.mock.calls.length };
  };

  it('GET and HEAD go on without entering the parser; requests with bodies are parsed', () => {
    expect(run('GET')).toEqual({ parsed: 0, nexts: 1 });
    expect(run('HEAD')).toEqual({ parsed: 0, nexts: 1 });
    expect(run('POST')).toEqual({ parsed: 1, nexts: 1 });
    expect(run('PUT')).toEqual({ parsed: 1, nexts: 1 });
    expect(run('DELETE')).toEqual({ parsed: 1, nexts: 1 });
  });

  it('keeps the name Nest looks for, so Nest adds no default parser beside it', () => {
    expect(forRequestsWithBodies('urlencodedParser', jest.fn()).name).toBe('urlencodedParser');
  });
});

import type { Response } from 'express';

/** The part of an Express response a passthrough handler touches, recording status and headers. */
export function fakeResponse(): Response & { statusCode: number; headers: Record<string, string> } {
  const res = {
    statusCode: 200,
    headers: {} as Record<string, string>,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    set(headers: Record<string, string>) {
      Object.assign(res.headers, headers);
      return res;
    },
    setHeader(name: string, value: string) {
      res.headers[name] = value;
      return res;
    },
  };
  return res as unknown as Response & { statusCode: number; headers: Record<string, string> };
}

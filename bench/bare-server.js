// The bare node:http baseline of bench/load.ts, in its own process (plain JS, no ts-node, so it
// pays nothing the service would not) so that its CPU per request can be read from /proc.
// argv: CONFIG.json with { port, downloadPath, downloadFile, routes: [{ path, contentType, response (base64) }] }
'use strict';
const { createReadStream, readFileSync } = require('node:fs');
const { createServer } = require('node:http');

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byPath = new Map(config.routes.map((route) => [route.path, { ...route, response: Buffer.from(route.response, 'base64') }]));
const server = createServer((req, res) => {
  const route = byPath.get(req.url || '');
  req.resume();
  req.on('end', () => {
    if (req.url === config.downloadPath) {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(1024 * 1024) });
      createReadStream(config.downloadFile).pipe(res);
      return;
    }
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': route.contentType, 'content-length': String(route.response.length) });
    res.end(route.response);
  });
});
server.listen(config.port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

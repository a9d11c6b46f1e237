// The bare upload baseline of bench/upload.ts, in its own process: node:http + busboy + SHA-256,
// writing the multipart file to a folder on the same disk as the service's store, and answering
// 201 with its size and hash. It does per byte what an upload needs at the least (parse, hash,
// write), and nothing the service does besides (format checks, records, the store's layout).
// argv: DIR (where the files go) PORT
'use strict';
const busboy = require('busboy');
const { createHash, randomUUID } = require('node:crypto');
const { createWriteStream, rmSync } = require('node:fs');
const { createServer } = require('node:http');
const { join } = require('node:path');
const { pipeline, Transform } = require('node:stream');

const [dir, port] = process.argv.slice(2);

const server = createServer((req, res) => {
  const fail = (error) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
  };
  const parser = busboy({ headers: req.headers });
  parser.on('file', (_name, stream) => {
    const path = join(dir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    pipeline(stream, hashing, createWriteStream(path), (error) => {
      if (error) return fail(error);
      const body = JSON.stringify({ size, sha256: hash.digest('hex') });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      rmSync(path, { force: true });
    });
  });
  parser.on('error', fail);
  req.pipe(parser);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

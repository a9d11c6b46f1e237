import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process';

/** The EICAR test file (harmless by design; every scanner reports it). */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*', 'latin1');
/** A second test pattern of our own, matched anywhere in a file by a body signature. */
export const TEST_PATTERN = Buffer.from('MEDIA-SERVICE-TEST-MALWARE-PATTERN');

export interface Clamd {
  port: number;
  stop(): Promise<void>;
}

/**
 * A real clamd (Debian clamav-daemon) on a free loopback port, with a signature database written
 * here (no freshclam, no internet): the EICAR file by MD5 (.hdb), and the EICAR string and
 * TEST_PATTERN anywhere inside a file (.ndb).
 */
export async function startClamd(timeoutMs = 60_000): Promise<Clamd> {
  const dir = mkdtempSync(join(tmpdir(), 'media-clamd-'));
  const port = await freePort();
  writeFileSync(join(dir, 'test.hdb'), '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n');
  // Body signatures match inside any file, so a valid WAV or PNG can carry the test strings.
  writeFileSync(
    join(dir, 'test.ndb'),
    `Eicar-Test-Signature-Embedded:0:*:${EICAR.toString('hex')}\n` +
      `Media-Test-Pattern:0:*:${TEST_PATTERN.toString('hex')}\n`,
  );
  writeFileSync(
    join(dir, 'clamd.conf'),
    [
      `DatabaseDirectory ${dir}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `LogFile ${join(dir, 'clamd.log')}`,
      // Files up to the service's MAX_FILE_SIZE must fit in one INSTREAM (default 25M).
      'StreamMaxLength 100M',
      'MaxFileSize 100M',
      'MaxScanSize 200M',
      'SelfCheck 0',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('clamd', ['-c', join(dir, 'clamd.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if ((await ping(port)) === 'PONG') return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`clamd did not start on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.once('end', () => resolve(reply.replace(/\0/g, '').trim()));
    socket.once('error', () => resolve(''));
    socket.write('zPING\0');
  });
}

// The `oss-upload-emulator` command (src/emulator/cli.ts through tsx, as bin/ runs it in a checkout): its
// timeout flags reach the emulator, and a bad value is refused with a message that names the flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { DEFAULTS } from '../../src/emulator/index.js';
import { codeOf } from './support/emulator.js';

const CLI = join(import.meta.dirname, '../../src/emulator/cli.ts');

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the command to its end: exit code and what it printed. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = start(args);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const [code] = await once(proc, 'exit') as [number | null];
  return { code, stdout, stderr };
}

/** Reads one HTTP answer's status and body (Content-Length framed), or fails after timeoutMs. */
function answer(s: net.Socket, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      const length = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (end < 0 || buf.length < end + 4 + length) return;
      clearTimeout(timer);
      resolve({ status: Number(buf.split(' ')[1]), body: buf.slice(end + 4, end + 4 + length) });
    });
  });
}

describe('oss-upload-emulator', () => {
  test('--help lists the timeout flags with their defaults', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`--headers-timeout MS .*\\(default ${DEFAULTS.headersTimeoutMs}\\)`));
    assert.match(stdout, /--idle-timeout MS .*\n.*0 waits forever \(default 60000\)/);
    assert.match(stdout, /--callback-timeout MS .*\(default 5000, as OSS\)/);
  });

  for (const [flag, bad, range] of [
    ['--headers-timeout', '0', '1…2147483647 milliseconds'],
    ['--headers-timeout', '1e3', '1…2147483647 milliseconds'],
    ['--idle-timeout', '-1', '0…2147483647 milliseconds'],
    ['--idle-timeout', '2147483648', '0…2147483647 milliseconds'],
    ['--callback-timeout', '0', '1…2147483647 milliseconds'],
    ['--sts-min-duration', '3601', '1…3600 seconds'],
  ] as const) {
    test(`${flag} ${bad}: refused before it starts, with the flag, its range and the value`, async () => {
      const { code, stderr } = await run(['--port', '0', `${flag}=${bad}`]);
      assert.equal(code, 2);
      assert.ok(stderr.startsWith(`oss-upload-emulator: ${flag} must be ${range}, not ${bad}\n`), stderr);
    });
  }

  describe('started with --headers-timeout 300 --idle-timeout 300 --callback-timeout 300', () => {
    let proc: ChildProcess;
    let port: number;
    let silentApp: Server;

    before(async () => {
      proc = start(['--port', '0', '--headers-timeout', '300', '--idle-timeout', '300', '--callback-timeout', '300']);
      let out = '';
      port = await new Promise<number>((resolve, reject) => {
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        proc.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
      });
      // An app server that takes a callback and never answers it.
      silentApp = createServer(() => {});
      await new Promise<void>((r) => silentApp.listen(0, '127.0.0.1', () => r()));
    });
    after(async () => {
      silentApp.closeAllConnections();
      silentApp.close();
      proc.kill('SIGTERM');
      const [code] = await once(proc, 'exit') as [number | null];
      assert.equal(code, 0, 'SIGTERM stops it cleanly');
    });

    const oss = () => new OSS({
      endpoint: `http://localhost:${port}`, sldEnable: true, secure: false, bucket: DEFAULTS.bucket, region: `oss-${DEFAULTS.region}`,
      accessKeyId: DEFAULTS.accessKeyId, accessKeySecret: DEFAULTS.accessKeySecret,
    } as OSS.Options);

    test('a head that never ends: 400 RequestTimeout after about 300 ms (the default waits 60 s)', async () => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('error', () => {});
      await once(s, 'connect');
      const started = Date.now();
      s.write(`GET /_emulator/faults HTTP/1.1\r\nHost: localhost:${port}\r\n`);
      const { status, body } = await answer(s, 3000);
      s.destroy();
      assert.equal(status, 400);
      assert.equal(codeOf(body), 'RequestTimeout');
      assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
    });

    test('a body that stops coming: 400 RequestTimeout after about 300 ms of silence', async () => {
      const url = new URL(oss().signatureUrl('cli/stalled.bin', { method: 'PUT', expires: 600 }));
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('error', () => {});
      await once(s, 'connect');
      const started = Date.now();
      s.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Length: 102400\r\n\r\n${'x'.repeat(1024)}`);
      const { status, body } = await answer(s, 3000);
      s.destroy();
      assert.equal(status, 400);
      assert.equal(codeOf(body), 'RequestTimeout');
      assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
    });

    test('a callback that gets no answer: 203 CallbackFailed after about 300 ms (the default waits 5 s)', async () => {
      const appUrl = `http://127.0.0.1:${(silentApp.address() as AddressInfo).port}/cb`;
      const started = Date.now();
      const err = await oss().put('cli/callback.txt', Buffer.from('x'), { callback: { url: appUrl, body: 'object=${object}' } } as never)
        .then(() => undefined, (e: unknown) => e as { status?: number; name?: string });
      assert.equal(err?.status, 203, JSON.stringify(err));
      assert.equal(err?.name, 'CallbackFailedError');
      assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
    });
  });
});

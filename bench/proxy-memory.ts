// The proxy handler's app server: its memory and throughput while it streams a large browser-style
// upload (default 1 GiB) on to the emulator.
//
// The app server runs as a child process — `createProxyHandler` (default options: 8 MiB parts,
// 3 in flight) mounted on node:http through `toNodeListener`, exactly as an app would — and its
// memory is read from /proc/<pid>/status: VmHWM (the kernel's peak RSS, reset before each phase
// by writing `5` to /proc/<pid>/clear_refs) and VmRSS sampled every 50 ms. The emulator and the
// client share this process: the client POSTs `multipart/form-data` (fields, then `file` last)
// with a Content-Length, generating pseudo-random bytes 1 MiB at a time (AES-128-CTR keystream)
// with a CRC-64 as it goes, so nothing here holds the file either.
//
// Phases, each verified with HEAD through ali-oss (size and x-oss-hash-crc64ecma against the CRC
// computed while sending):
//   (a) the handler as shipped (verifyCrc: true, every part's CRC-64 compared with OSS's);
//   (b) the same with verifyCrc: false, to show what the check costs;
//   (c) for comparison, the same bytes as an ali-oss multipart upload from this process straight to
//       the emulator (no app server): the ceiling this machine allows.
// Throughput is from the first byte sent to the JSON answer, so it includes CompleteMultipartUpload.
import OSS from 'ali-oss';
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { Crc64 } from '../src/signing/crc64.js';
import type { Benchmark, BenchOptions, Row } from './run.js';
import { SAMPLE_MS, procCpuMs, procStatus, resetPeak, sampleRss, sizeLabel, stopChild } from './proc.js';
import { readAnswer } from '../test/node/support/http.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const DEFAULT_SIZE = GiB;
const CHUNK = MiB;
const REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_MODULE = pathToFileURL(join(ROOT, 'src', 'server', 'index.ts')).href;

export const proxyMemory: Benchmark = {
  name: 'proxy-server',
  description: 'proxy handler in an app-server child process: peak RSS and MB/s while it streams a 1 GiB form upload to the emulator (--size to change)',
  run: runProxyMemory,
};

// ---------------------------------------------------------------------------
// The app server: this code under `node --import tsx`, two mounts of the handler (CRC check on
// and off), the port on stdout.

const APP_SERVER = `
const { createServer } = await import('node:http');
const { createProxyHandler, toNodeListener } = await import(process.env.PROXY_MODULE);
const options = JSON.parse(process.env.PROXY_OPTIONS);
const checked = toNodeListener(createProxyHandler(options));
const unchecked = toNodeListener(createProxyHandler({ ...options, verifyCrc: false }));
const server = createServer((req, res) => (req.url === '/upload-unchecked' ? unchecked : checked)(req, res));
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => console.log('proxy listening on ' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface AppServer {
  proc: ChildProcess;
  pid: number;
  port: number;
  output(): string;
}

async function startAppServer(emu: RunningEmulator): Promise<AppServer> {
  const options = {
    accessKeyId: emu.accessKeyId,
    accessKeySecret: emu.accessKeySecret,
    bucket: emu.buckets[0],
    region: emu.region,
    endpoint: `http://localhost:${emu.port}`,
    prefix: 'bench/proxy/',
    timeout: 10 * 60_000,
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', APP_SERVER], {
    cwd: ROOT,
    env: { ...process.env, PROXY_MODULE: SERVER_MODULE, PROXY_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => { out = (out + s).slice(-20_000); });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => { out = (out + s).slice(-20_000); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`the app server did not start within 30 s; it printed:\n${out}`)), 30_000);
    const check = () => {
      const m = /proxy listening on (\d+)/.exec(out);
      if (m) done(undefined, Number(m[1]));
    };
    const exit = (code: number | null) => done(new Error(`the app server exited on start (code ${code}); it printed:\n${out}`));
    const done = (err?: Error, port?: number) => {
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      proc.off('exit', exit);
      if (err) reject(err);
      else resolve(port!);
    };
    proc.stdout!.on('data', check);
    proc.once('exit', exit);
  });
  return { proc, pid: proc.pid!, port, output: () => out };
}


// ---------------------------------------------------------------------------
// /proc/<pid>




// ---------------------------------------------------------------------------
// The browser's form, generated

const ZEROS = Buffer.alloc(CHUNK);

interface Posted {
  status: number;
  body: any;
  crc: bigint;
  ms: number;
}

/** POSTs a form with one generated file of `size` bytes; the answer and the file's CRC-64. */
function postForm(port: number, path: string, size: number, seed: string): Promise<Posted> {
  const boundary = `----oss-upload-bench-${seed}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${seed}.bin\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${seed}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const crc = new Crc64();
  const t0 = performance.now();
  return new Promise<Posted>((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port, method: 'POST', path,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + size + tail.length) },
    }, (res) => {
      readAnswer(res, ({ status, body }) => resolve({ status, body, crc: crc.digest(), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let sent = 0;
    req.write(head);
    const pump = () => {
      while (sent < size) {
        const chunk = cipher.update(ZEROS.subarray(0, Math.min(CHUNK, size - sent)));
        crc.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(tail);
    };
    pump();
  });
}

// ---------------------------------------------------------------------------

const mibOf = (kib: number) => kib / KiB;
const rate = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);


async function runProxyMemory(options: BenchOptions): Promise<Row[]> {
  const { log } = options;
  const size = options.size ?? DEFAULT_SIZE;
  const label = sizeLabel(size);
  const rows: Row[] = [];
  const row = (benchmark: string, metric: string, value: number | string, unit: string, note?: string) =>
    rows.push({ benchmark: `proxy-server: ${benchmark}`, metric, value, unit, note });

  const dataDir = await mkdtemp(join(tmpdir(), 'oss-upload-bench-proxy-'));
  let app: AppServer | undefined;
  let emu: RunningEmulator | undefined;
  const interrupted = () => {
    app?.proc.kill('SIGKILL');
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } finally {
      process.stderr.write(`\n[proxy-server] interrupted: app server killed, ${dataDir} removed\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  try {
    emu = await startEmulator({ port: 0, dataDir });
    app = await startAppServer(emu);
    const { pid } = app;
    if (!procStatus(pid)) throw new Error(`cannot read /proc/${pid}/status (this benchmark needs Linux /proc)`);
    log(`app server pid ${pid} on port ${app.port}, emulator at ${emu.url}, data in ${dataDir}`);
    const oss = new OSS({
      endpoint: `http://localhost:${emu.port}`, sldEnable: true, secure: false, bucket: emu.buckets[0], region: `oss-${emu.region}`,
      accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, timeout: REQUEST_TIMEOUT_MS,
    } as OSS.Options);

    // Warm up: the first request loads busboy and ali-oss into the app server.
    const warm = await postForm(app.port, '/upload', 64 * KiB, 'warm-up');
    if (warm.status !== 200) throw new Error(`warm-up upload: ${warm.status} ${JSON.stringify(warm.body)}`);
    await oss.delete((warm.body as { key: string }).key);
    await new Promise((r) => setTimeout(r, 500));
    const base = procStatus(pid)!;
    row('app server', 'baseline RSS after a warm-up upload', mibOf(base.rss), 'MiB', `VmRSS; handler defaults: 8 MiB parts, 3 in flight (≈ 32 MiB of part buffers per upload)`);

    for (const phase of [
      { path: '/upload', name: `${label}, verifyCrc on (default)` },
      { path: '/upload-unchecked', name: `${label}, verifyCrc off` },
    ]) {
      log(`upload of ${label} through ${phase.path}…`);
      const reset = resetPeak(pid);
      const sampler = sampleRss(pid);
      const cpu0 = procCpuMs(pid);
      const own0 = process.cpuUsage();
      let posted: Posted;
      let sampled = { maxKiB: 0, samples: 0 };
      try {
        posted = await postForm(app.port, phase.path, size, `proxy-${phase.path.slice(1)}`);
      } finally {
        sampled = sampler.stop();
      }
      const cpuApp = procCpuMs(pid) - cpu0;
      const own = process.cpuUsage(own0);
      const hwm = procStatus(pid)?.hwm ?? 0;
      if (posted.status !== 200) throw new Error(`${phase.path}: ${posted.status} ${JSON.stringify(posted.body)}`);
      const answer = posted.body as { key: string; size: number; etag: string };
      const head = await oss.head(answer.key);
      const h = head.res.headers as Record<string, string | undefined>;
      if (Number(h['content-length']) !== size) throw new Error(`${answer.key}: HEAD says ${h['content-length']} bytes, expected ${size}`);
      if (h['x-oss-hash-crc64ecma'] !== posted.crc.toString()) throw new Error(`${answer.key}: HEAD CRC-64 ${h['x-oss-hash-crc64ecma']}, sent ${posted.crc}`);
      await oss.delete(answer.key);

      const pct = (ms: number) => `${Math.round((100 * ms) / posted.ms)}%`;
      const cpu = `CPU: app server ${pct(cpuApp)}, client + emulator ${pct((own.user + own.system) / 1000)} (100% = one core)`;
      row(phase.name, 'throughput', rate(size, posted.ms), 'MB/s', `first byte sent → JSON answer, ${(posted.ms / 1000).toFixed(1)} s; HEAD size and CRC-64 match; ${cpu}`);
      row(phase.name, reset ? 'app server peak RSS (VmHWM)' : 'app server peak RSS (VmHWM, whole run)', mibOf(hwm), 'MiB',
        reset ? `kernel peak during this upload; +${mibOf(hwm - base.rss).toFixed(1)} MiB over the baseline` : 'clear_refs refused: the peak could not be reset');
      row(phase.name, 'app server peak RSS (sampled)', mibOf(sampled.maxKiB), 'MiB', `max VmRSS over ${sampled.samples} samples, every ${SAMPLE_MS} ms`);
      log(`${rate(size, posted.ms).toFixed(1)} MB/s, VmHWM ${mibOf(hwm).toFixed(1)} MiB`);
    }
    // (c) The ceiling: the same bytes as a multipart upload straight from this process (ali-oss,
    // 8 MiB parts, 3 in flight, as the handler), without the app server in between.
    {
      log(`direct multipart upload of ${label} (no app server), for comparison…`);
      const partSize = 8 * MiB;
      const key = 'bench/proxy/direct.bin';
      const seed = createHash('sha256').update('direct').digest();
      const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
      const crc = new Crc64();
      const t0 = performance.now();
      const { uploadId } = await oss.initMultipartUpload(key);
      const count = Math.ceil(size / partSize);
      const etags: string[] = [];
      let next = 0;
      // Parts are generated in order (one keystream), each when a worker is free.
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const body = cipher.update(Buffer.alloc(Math.min(partSize, size - i * partSize)));
          crc.update(body);
          const res = await oss.uploadPart(key, uploadId, i + 1, body, 0, body.length, { timeout: REQUEST_TIMEOUT_MS } as OSS.RequestOptions);
          etags[i] = res.etag;
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      await oss.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ number: i + 1, etag })), { timeout: REQUEST_TIMEOUT_MS } as OSS.CompleteMultipartUploadOptions);
      const ms = performance.now() - t0;
      const head = await oss.head(key);
      if ((head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'] !== crc.digest().toString()) throw new Error('direct upload: CRC-64 mismatch');
      await oss.delete(key);
      row(`${label}, direct (no proxy)`, 'throughput', rate(size, ms), 'MB/s', `ali-oss multipart from this process straight to the emulator, 8 MiB × 3 in flight: the ceiling on this machine, ${(ms / 1000).toFixed(1)} s`);
      log(`direct: ${rate(size, ms).toFixed(1)} MB/s`);
    }
    row('client + emulator', 'benchmark process peak RSS', process.resourceUsage().maxRSS / KiB, 'MiB', 'maxRSS of this process (the form generator and the emulator)');
    return rows;
  } catch (err) {
    if (app && err instanceof Error) err.message += `\n(app server output, last lines:)\n${app.output().split('\n').slice(-20).join('\n')}`;
    throw err;
  } finally {
    if (app) await stopChild(app.proc);
    await emu?.close();
    await rm(dataDir, { recursive: true, force: true });
    log(`app server and emulator stopped, ${dataDir} removed`);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

// oss-upload/server's proxy handler behind node:http (toNodeListener), streaming browser-style
// multipart/form-data uploads on to the emulator with ali-oss. The request bodies are generated
// on the fly (AES-CTR keystream, 1 MiB at a time, CRC-64 as they go), so this process never holds
// a large file either. For the 300 MiB upload the app server runs in a child process, which
// samples its own process.memoryUsage() every 10 ms: the figures are the server's alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  createProxyHandler, HttpError, toNodeListener, type ProxyHandlerOptions, type ProxyResult,
} from '../../src/server/index.js';
import { Crc64 } from '../../src/signing/crc64.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { bytes, client, emulator, OSS } from './support/emulator.js';
import { readAnswer, serve, type Served } from './support/http.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// ---- generated data ----

const ZEROS = Buffer.alloc(MiB);

/** `size` pseudo-random bytes from `seed`, 1 MiB at a time; the CRC-64 runs along. */
function* generated(size: number, seed: string, crc: Crc64): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  for (let sent = 0; sent < size;) {
    const chunk = cipher.update(ZEROS.subarray(0, Math.min(MiB, size - sent)));
    crc.update(chunk);
    sent += chunk.length;
    yield chunk;
  }
}

// ---- the browser's form, streamed ----

interface FormFile {
  field?: string;
  name: string;
  type?: string;
  size: number;
  seed?: string;
}

interface Form {
  fields?: [string, string][];
  files?: FormFile[];
  /** Send Content-Length (default) or chunked. */
  chunked?: boolean;
  /** Declare this Content-Length instead of the real one. */
  declaredLength?: number;
  headers?: Record<string, string>;
}

function formParts(form: Form, boundary: string): { head: (i: number) => Buffer; tail: Buffer; fieldsPart: Buffer; length: number } {
  const fields = (form.fields ?? []).map(([n, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('');
  const head = (i: number) => {
    const f = form.files![i]!;
    return Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`);
  };
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const fieldsPart = Buffer.from(fields);
  let length = fieldsPart.length + tail.length;
  (form.files ?? []).forEach((f, i) => { length += head(i).length + f.size + 2; });
  return { head, tail, fieldsPart, length };
}

interface Sent {
  status: number;
  body: any;
  /** CRC-64 of each file's bytes, in order. */
  crcs: bigint[];
}

/**
 * POSTs the form to the proxy, the files generated as they are written (with backpressure).
 * `onProgress(bytes, req)` is awaited after every file chunk: a test can pause or hang up there.
 */
function post(port: number, form: Form, onProgress?: (fileBytes: number, req: import('node:http').ClientRequest) => Promise<void> | void): Promise<Sent> {
  const boundary = `----oss-upload-test-${Math.random().toString(16).slice(2)}`;
  const parts = formParts(form, boundary);
  const headers: Record<string, string> = { 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...form.headers };
  if (!form.chunked) headers['Content-Length'] = String(form.declaredLength ?? parts.length);
  const crcs = (form.files ?? []).map(() => new Crc64());
  return new Promise<Sent>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers }, (res) => {
      readAnswer(res, ({ status, body }) => {
        resolve({ status, body, crcs: crcs.map((c) => c.digest()) });
        // An early answer (413, 415…) while the body was still going: the browser gives up here.
        if (!req.writableFinished) req.destroy();
      });
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => { answered = true; });
    req.on('error', reject);
    const write = (chunk: Buffer) => new Promise<void>((ok, fail) => {
      if (req.destroyed) return fail(new Error('request destroyed'));
      if (req.write(chunk)) ok();
      else {
        const onDrain = () => { req.off('close', onClose); ok(); };
        const onClose = () => { req.off('drain', onDrain); fail(new Error('request closed')); };
        req.once('drain', onDrain);
        req.once('close', onClose);
      }
    });
    void (async () => {
      await write(parts.fieldsPart);
      let fileBytes = 0;
      for (let i = 0; i < (form.files ?? []).length; i++) {
        const f = form.files![i]!;
        await write(parts.head(i));
        for (const chunk of generated(f.size, f.seed ?? `file-${i}`, crcs[i]!)) {
          // The server answered early (413, 415…): stop sending, as a browser eventually would.
          if (answered) break;
          await write(chunk);
          fileBytes += chunk.length;
          await onProgress?.(fileBytes, req);
        }
        if (answered) break;
        await write(Buffer.from('\r\n'));
      }
      if (!answered) req.end(parts.tail);
    })().catch((err: unknown) => {
      if (!answered && !req.destroyed) reject(err);
    });
  });
}

// ---- the app server in a child process (for memory figures of its own) ----

interface MemoryFigures {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

interface ProxyChild {
  port: number;
  /** Garbage-collects, takes the baseline, and samples process.memoryUsage() every 10 ms from now on. */
  startSampling(): Promise<MemoryFigures>;
  stopSampling(): Promise<MemoryFigures & { samples: number }>;
  close(): Promise<void>;
}

/** The child: this code under `node --import tsx`, the proxy mounted on node:http, memory over IPC. */
const CHILD = `
const { createServer } = await import('node:http');
const { createProxyHandler, toNodeListener } = await import(process.env.PROXY_MODULE);
const server = createServer(toNodeListener(createProxyHandler(JSON.parse(process.env.PROXY_OPTIONS))));
let base, peak, samples = 0, timer;
const take = () => {
  const m = process.memoryUsage();
  samples++;
  for (const k of ['rss', 'heapUsed', 'arrayBuffers']) peak[k] = Math.max(peak[k], m[k]);
};
process.on('message', (msg) => {
  if (msg === 'start') {
    globalThis.gc?.();
    const m = process.memoryUsage();
    base = { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
    peak = { ...base };
    samples = 0;
    timer = setInterval(take, 10);
    process.send({ base });
  } else if (msg === 'stop') {
    clearInterval(timer);
    take();
    process.send({ peak: { ...peak, samples } });
  }
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

async function proxyChild(options: Record<string, unknown>): Promise<ProxyChild> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, PROXY_MODULE: new URL('../../src/server/index.ts', import.meta.url).href, PROXY_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(field: string) => new Promise<T>((resolve, reject) => {
    const onMessage = (m: Record<string, T>) => {
      if (!(field in m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m[field]!);
    };
    const onExit = (code: number | null) => reject(new Error(`the proxy child exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const port = await next<number>('port');
  return {
    port,
    startSampling: () => {
      const p = next<MemoryFigures>('base');
      child.send('start');
      return p;
    },
    stopSampling: () => {
      const p = next<MemoryFigures & { samples: number }>('peak');
      child.send('stop');
      return p;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
    },
  };
}

// ---- emulator views ----

interface OpenUpload {
  key: string;
  uploadId: string;
  parts: { partNumber: number; size: number }[];
}

async function openUploads(emu: RunningEmulator): Promise<OpenUpload[]> {
  return (await fetch(`${emu.url}/_emulator/uploads`)).json() as Promise<OpenUpload[]>;
}

async function objects(emu: RunningEmulator, prefix: string): Promise<{ key: string; size: number }[]> {
  return (await fetch(`${emu.url}/_emulator/objects?prefix=${encodeURIComponent(prefix)}`)).json() as Promise<{ key: string; size: number }[]>;
}

/** Polls until `check()` holds or `ms` pass; returns the last value. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- the tests ----

describe('proxy handler (node:http → emulator)', () => {
  let emu: RunningEmulator;
  let oss: OSS;
  const servers: Served[] = [];
  const errors: unknown[] = [];

  /** A proxy for user `x-user` under `users/<name>/`; 401 without the header. */
  async function proxy(extra: Partial<ProxyHandlerOptions> = {}): Promise<number> {
    const handler = createProxyHandler({
      accessKeyId: emu.accessKeyId,
      accessKeySecret: emu.accessKeySecret,
      bucket: emu.buckets[0]!,
      region: emu.region,
      endpoint: `http://localhost:${emu.port}`,
      prefix: (request) => {
        const user = request.headers.get('x-user');
        if (!user) throw new HttpError(401, 'NotSignedIn', 'Sign in first.');
        return `users/${user}/`;
      },
      allowedDirs: ['avatars', 'docs/'],
      onError: (err) => errors.push(err),
      ...extra,
    });
    const s = await serve(toNodeListener(handler));
    servers.push(s);
    return s.port;
  }

  const ops = (since: number) => emu.requests().slice(since).map((r) => r.op);

  before(async () => {
    emu = await emulator();
    oss = client(emu);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await emu.close();
  });

  test('300 MiB arrives byte-exact through multipart while the server\'s memory stays flat', async (t) => {
    // The app server in a child process, so that its memory is measured alone.
    const server = await proxyChild({
      accessKeyId: emu.accessKeyId,
      accessKeySecret: emu.accessKeySecret,
      bucket: emu.buckets[0]!,
      region: emu.region,
      endpoint: `http://localhost:${emu.port}`,
      prefix: 'users/alice/',
      allowedDirs: ['docs'],
    });
    try {
      // Warm up: the first request loads busboy and ali-oss; that is code, not per-upload memory.
      const warm = await post(server.port, { files: [{ name: 'warm.txt', size: 1000 }] });
      assert.equal(warm.status, 200, JSON.stringify(warm.body));
      const size = 300 * MiB;
      const mark = emu.requests().length;
      const base = await server.startSampling();
      const t0 = performance.now();
      const sent = await post(server.port, {
        fields: [['key', 'big/video.bin'], ['dir', 'docs']],
        files: [{ name: 'video.bin', type: 'video/mp4', size, seed: 'big' }],
      });
      const seconds = (performance.now() - t0) / 1000;
      const peak = await server.stopSampling();
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const answer = sent.body as ProxyResult;

      const mib = (n: number) => (n / MiB).toFixed(1);
      t.diagnostic(`300 MiB in ${seconds.toFixed(1)} s (${(size / 1e6 / seconds).toFixed(0)} MB/s); the server process grew by ` +
        `RSS +${mib(peak.rss - base.rss)} MiB (peak ${mib(peak.rss)}), heapUsed +${mib(peak.heapUsed - base.heapUsed)} MiB, ` +
        `arrayBuffers +${mib(peak.arrayBuffers - base.arrayBuffers)} MiB; ${peak.samples} samples`);
      assert.ok(peak.samples > 20, 'the memory was sampled during the upload');
      assert.ok(peak.rss - base.rss < 128 * MiB, `RSS grew by ${mib(peak.rss - base.rss)} MiB`);
      assert.ok(peak.heapUsed - base.heapUsed < 128 * MiB, `heap grew by ${mib(peak.heapUsed - base.heapUsed)} MiB`);

      assert.match(answer.key, /^users\/alice\/docs\/[0-9a-z]{26}\/video\.bin$/);
      assert.equal(answer.bucket, emu.buckets[0]);
      assert.equal(answer.size, size);
      assert.equal(answer.url, `http://localhost:${emu.port}/${emu.buckets[0]}/${answer.key}`);
      assert.match(answer.etag, /^"[0-9A-F]{32}-38"$/);

      const head = await oss.head(answer.key);
      const h = head.res.headers as Record<string, string>;
      assert.equal(Number(h['content-length']), size);
      assert.equal(h['x-oss-hash-crc64ecma'], sent.crcs[0]!.toString());
      assert.equal(h['content-type'], 'video/mp4');

      const seen = ops(mark);
      assert.equal(seen.filter((o) => o === 'InitiateMultipartUpload').length, 1);
      assert.equal(seen.filter((o) => o === 'UploadPart').length, 38); // 37 × 8 MiB + 4 MiB
      assert.equal(seen.filter((o) => o === 'CompleteMultipartUpload').length, 1);
      assert.deepEqual(await openUploads(emu), []);
      await oss.delete(answer.key);
    } finally {
      await server.close();
    }
  });

  test('a small file goes as one PutObject; the answer is {key, url, etag, bucket}', async () => {
    const port = await proxy();
    const mark = emu.requests().length;
    const sent = await post(port, {
      fields: [['key', '01HXYZ/../../../etc/pass wd.txt']],
      files: [{ name: 'ignored.txt', type: 'text/plain', size: 3000 }],
      headers: { 'x-user': 'bob' },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const answer = sent.body as ProxyResult;
    // The wish is only a name: its folders are dropped, the server's id goes first.
    assert.match(answer.key, /^users\/bob\/[0-9a-z]{26}\/pass wd\.txt$/);
    assert.equal(answer.url, `http://localhost:${emu.port}/${emu.buckets[0]}/${answer.key.replace(' ', '%20')}`);
    assert.match(answer.etag, /^"[0-9A-F]{32}"$/);
    assert.deepEqual(ops(mark), ['PutObject']);
    const head = await oss.head(answer.key);
    assert.equal((head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], sent.crcs[0]!.toString());
    assert.equal((head.res.headers as Record<string, string>)['content-type'], 'text/plain');
  });

  test('a file of exactly the threshold is one put; one byte more goes multipart', async () => {
    const port = await proxy({ partSize: 128 * KiB });
    let mark = emu.requests().length;
    const exact = await post(port, { files: [{ name: 'a.bin', size: 128 * KiB }], headers: { 'x-user': 'carol' } });
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.deepEqual(ops(mark), ['PutObject']);
    mark = emu.requests().length;
    const more = await post(port, { files: [{ name: 'b.bin', size: 128 * KiB + 1 }], headers: { 'x-user': 'carol' } });
    assert.equal(more.status, 200, JSON.stringify(more.body));
    assert.deepEqual(ops(mark), ['InitiateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    const head = await oss.head((more.body as ProxyResult).key);
    assert.equal((head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], more.crcs[0]!.toString());
    // An empty file is an object too.
    const empty = await post(port, { files: [{ name: 'empty', size: 0 }], headers: { 'x-user': 'carol' } });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.equal((empty.body as ProxyResult).size, 0);
  });

  test('over maxSize while streaming → 413, the multipart upload aborted, nothing stored', async () => {
    const port = await proxy({ partSize: 256 * KiB, maxSize: 3 * MiB });
    const mark = emu.requests().length;
    // Chunked, as a proxy in front might send it: the size is only known by counting.
    const sent = await post(port, {
      chunked: true,
      files: [{ name: 'huge.bin', size: 6 * MiB }],
      headers: { 'x-user': 'dave' },
    });
    assert.equal(sent.status, 413);
    assert.equal(sent.body.code, 'FileTooLarge');
    assert.equal(sent.body.maxSize, 3 * MiB);
    assert.equal(typeof sent.body.message, 'string');
    const seen = ops(mark);
    assert.ok(seen.includes('InitiateMultipartUpload') && seen.includes('UploadPart'), `the upload had started: ${seen}`);
    assert.ok(seen.includes('AbortMultipartUpload'), `and was aborted: ${seen}`);
    assert.ok(!seen.includes('CompleteMultipartUpload') && !seen.includes('PutObject'));
    assert.deepEqual(await openUploads(emu), []);
    assert.deepEqual(await objects(emu, 'users/dave/'), []);

    // A declared Content-Length far over the limit is refused before anything is read.
    const mark2 = emu.requests().length;
    const declared = await post(port, {
      declaredLength: 100 * MiB,
      files: [{ name: 'huge.bin', size: 4 * MiB }],
      headers: { 'x-user': 'dave' },
    });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.code, 'FileTooLarge');
    assert.deepEqual(ops(mark2), []);
  });

  test('maxSize includes its own size: one byte under and exactly at it are stored byte-exact, one byte over → 413', async () => {
    // Above the 128 KiB part size, so the limit is met inside a multipart upload; odd, so no chunk ends on it.
    const limit = 300 * KiB + 7;
    const port = await proxy({ partSize: 128 * KiB, maxSize: limit });
    for (const chunked of [false, true]) {
      for (const size of [limit - 1, limit, limit + 1]) {
        const what = `${size} bytes${chunked ? ', chunked' : ''}`;
        const mark = emu.requests().length;
        const sent = await post(port, { chunked, files: [{ name: `edge-${size}.bin`, size, seed: what }], headers: { 'x-user': 'edge' } });
        if (size <= limit) {
          assert.equal(sent.status, 200, `${what}: ${JSON.stringify(sent.body)}`);
          const answer = sent.body as ProxyResult;
          assert.equal(answer.size, size, what);
          const h = (await oss.head(answer.key)).res.headers as Record<string, string>;
          assert.equal(Number(h['content-length']), size, what);
          assert.equal(h['x-oss-hash-crc64ecma'], sent.crcs[0]!.toString(), what);
        } else {
          assert.equal(sent.status, 413, `${what}: ${JSON.stringify(sent.body)}`);
          assert.equal(sent.body.code, 'FileTooLarge', what);
          assert.equal(sent.body.maxSize, limit, what);
          assert.ok(!ops(mark).includes('CompleteMultipartUpload') && !ops(mark).includes('PutObject'), `${what}: ${ops(mark)}`);
        }
      }
    }
    assert.deepEqual(await until(() => openUploads(emu), (u) => u.length === 0), []);
    const kept = await objects(emu, 'users/edge/');
    assert.deepEqual(kept.map((o) => o.size).sort((a, b) => a - b), [limit - 1, limit - 1, limit, limit]);
  });

  test('a disallowed content type → 415 before any byte goes to OSS', async () => {
    const port = await proxy({ contentTypes: ['image/*', 'application/pdf'] });
    const mark = emu.requests().length;
    const sent = await post(port, {
      files: [{ name: 'setup.exe', type: 'application/x-msdownload', size: 20 * MiB }],
      headers: { 'x-user': 'erin' },
    });
    assert.equal(sent.status, 415);
    assert.equal(sent.body.code, 'ContentTypeNotAllowed');
    assert.deepEqual(sent.body.contentTypes, ['image/*', 'application/pdf']);
    assert.deepEqual(ops(mark), []);

    const ok = await post(port, { files: [{ name: 'cat.PNG', type: 'image/png', size: 1000 }], headers: { 'x-user': 'erin' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match((ok.body as ProxyResult).key, /\/cat\.PNG$/);
  });

  test('the client hangs up mid-way → the multipart upload is aborted, nothing left open', async () => {
    const port = await proxy({ partSize: 1 * MiB });
    const mark = emu.requests().length;
    let hungUp = false;
    const sent = post(port, {
      files: [{ name: 'movie.bin', size: 64 * MiB }],
      headers: { 'x-user': 'frank' },
    }, async (n, req) => {
      if (n < 8 * MiB) return;
      // Parts are on OSS by now: wait until the emulator holds some, then leave.
      const open = await until(() => openUploads(emu), (u) => u.some((x) => x.parts.length >= 2));
      assert.ok(open.some((x) => x.key.startsWith('users/frank/') && x.parts.length >= 2), 'parts uploaded before the hang-up');
      hungUp = true;
      req.destroy();
    });
    await assert.rejects(sent);
    assert.ok(hungUp);
    const left = await until(() => openUploads(emu), (u) => u.length === 0);
    assert.deepEqual(left, [], 'no multipart upload left open');
    assert.ok(ops(mark).includes('AbortMultipartUpload'));
    assert.ok(!ops(mark).includes('CompleteMultipartUpload'));
    assert.deepEqual(await objects(emu, 'users/frank/'), []);
  });

  test('dir: allowed → below the prefix; outside the allow-list → 403; malformed → 400', async () => {
    const port = await proxy();
    const ok = await post(port, { fields: [['dir', 'avatars/']], files: [{ name: 'me.jpg', type: 'image/jpeg', size: 500 }], headers: { 'x-user': 'gina' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match((ok.body as ProxyResult).key, /^users\/gina\/avatars\/[0-9a-z]{26}\/me\.jpg$/);

    const mark = emu.requests().length;
    const denied = await post(port, { fields: [['dir', 'admin']], files: [{ name: 'x.bin', size: 2 * MiB }], headers: { 'x-user': 'gina' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'DirNotAllowed');
    const climbing = await post(port, { fields: [['dir', '../bob']], files: [{ name: 'x.bin', size: 10 }], headers: { 'x-user': 'gina' } });
    assert.equal(climbing.status, 400);
    assert.equal(climbing.body.code, 'InvalidDir');
    assert.deepEqual(ops(mark), []);
  });

  test('the prefix function refuses before the body is read; bad requests → 400/405', async () => {
    const port = await proxy();
    const mark = emu.requests().length;
    const anonymous = await post(port, { files: [{ name: 'x.bin', size: 1000 }] });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'NotSignedIn');

    const noFile = await post(port, { fields: [['key', 'a.txt']], headers: { 'x-user': 'hal' } });
    assert.equal(noFile.status, 400);
    assert.equal(noFile.body.code, 'MissingFile');

    const two = await post(port, { files: [{ name: 'a.bin', size: 1000 }, { name: 'b.bin', size: 1000 }], headers: { 'x-user': 'hal' } });
    assert.equal(two.status, 400);
    assert.equal(two.body.code, 'TooManyFiles');

    const wrongField = await post(port, { files: [{ field: 'upload', name: 'a.bin', size: 1000 }], headers: { 'x-user': 'hal' } });
    assert.equal(wrongField.status, 400);
    assert.equal(wrongField.body.code, 'UnexpectedFile');

    const json = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', headers: { 'x-user': 'hal', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { code: string }).code, 'InvalidRequest');
    const get = await fetch(`http://127.0.0.1:${port}/upload`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.deepEqual(ops(mark), []);
    assert.deepEqual(await objects(emu, 'users/hal/'), []);
  });

  test('an app key function decides the key below the granted prefix', async () => {
    const seen: unknown[] = [];
    const port = await proxy({
      key: (_request, file) => {
        seen.push(file);
        return `fixed/${file.name}`;
      },
    });
    const sent = await post(port, { fields: [['key', 'wish.txt'], ['dir', 'docs']], files: [{ name: 'real.txt', type: 'text/plain', size: 10 }], headers: { 'x-user': 'ivy' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal((sent.body as ProxyResult).key, 'users/ivy/docs/fixed/real.txt');
    assert.deepEqual(seen, [{ name: 'real.txt', type: 'text/plain', wish: 'wish.txt', dir: 'users/ivy/docs/' }]);
  });

  test('the browser hangs up once the object is being stored: the answer still says what OSS did', async () => {
    // Called as a Fetch handler, so that the hang-up (the request's signal) comes at an exact point.
    const handler = createProxyHandler({
      accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket: emu.buckets[0]!, region: emu.region,
      endpoint: `http://localhost:${emu.port}`, prefix: 'users/hangup/', partSize: 100 * KiB, parallel: 2, onError: (err) => errors.push(err),
    });
    /** POSTs a form with one file of `size` bytes, and hangs up when the emulator has received `op` for it. */
    const hangUpAt = async (size: number, op: string) => {
      const form = new FormData();
      const name = `${op}-${size}.bin`;
      form.append('file', new Blob([bytes(size)]), name);
      const raw = new Response(form);
      const hangUp = new AbortController();
      const mark = emu.requests().length;
      const answer = handler(new Request('http://app.test/upload', {
        method: 'POST', body: await raw.arrayBuffer(), headers: { 'content-type': raw.headers.get('content-type')! }, signal: hangUp.signal,
      }));
      const reached = await until(async () => emu.requests().slice(mark).some((r) => r.op === op), (v) => v, 10_000);
      assert.ok(reached, `${op} reached the emulator`);
      hangUp.abort();
      const response = await answer;
      const body = await response.json() as ProxyResult & { code?: string };
      const stored = (await objects(emu, 'users/hangup/')).filter((o) => o.key.endsWith(`/${name}`));
      return { status: response.status, body, stored };
    };
    emu.setFaults({ latencyMs: 800 }); // each OSS answer comes 0.8 s after the request: the hang-up falls inside
    try {
      // Gone while the PutObject or the Complete is with OSS: stored, and the answer says so (not ClientClosedRequest).
      for (const [size, op] of [[5000, 'PutObject'], [300 * KiB, 'CompleteMultipartUpload']] as const) {
        const { status, body, stored } = await hangUpAt(size, op);
        assert.equal(status, 200, `${op}: ${JSON.stringify(body)}`);
        assert.deepEqual(stored.map((o) => [o.key, o.size]), [[body.key, size]], op);
      }
      // Gone while parts still go up: nothing stored, nothing left open, and the answer says that.
      const { status, body, stored } = await hangUpAt(300 * KiB, 'UploadPart');
      assert.deepEqual([status, body.code, stored], [400, 'ClientClosedRequest', []]);
      assert.deepEqual((await until(() => openUploads(emu), (u) => u.length === 0, 5000)).filter((u) => u.key.startsWith('users/hangup/')), []);
    } finally {
      emu.setFaults({});
    }
  });

  test('OSS refuses → 502 with the OSS code; the multipart upload is aborted', async () => {
    errors.length = 0;
    const wrongBucket = await proxy({ bucket: 'no-such-bucket' });
    const put = await post(wrongBucket, { files: [{ name: 'a.bin', size: 1000 }], headers: { 'x-user': 'jay' } });
    assert.equal(put.status, 502);
    assert.equal(put.body.code, 'OssError');
    assert.equal(put.body.ossCode, 'NoSuchBucket');
    assert.equal(put.body.ossStatus, 404);
    assert.equal(typeof put.body.requestId, 'string');
    assert.equal(errors.length, 1, 'reported to onError');

    // A part refused mid-way: the emulator fails every UploadPart; the upload must not stay open.
    const port = await proxy({ partSize: 128 * KiB, retries: 0 });
    emu.setFaults({ failures: [{ op: 'UploadPart', rate: 1, kind: 'error' }] });
    try {
      const sent = await post(port, { files: [{ name: 'b.bin', size: 2 * MiB }], headers: { 'x-user': 'jay' } });
      assert.equal(sent.status, 502, JSON.stringify(sent.body));
      assert.equal(sent.body.ossCode, 'InternalError');
    } finally {
      emu.setFaults({});
    }
    assert.deepEqual(await until(() => openUploads(emu), (u) => u.length === 0), []);
    assert.deepEqual(await objects(emu, 'users/jay/'), []);
  });

  test('STS credentials from credentials() and V1 signatures; outside the token\'s policy → 502 AccessDenied', async () => {
    const sts = new OSS.STS({ accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: `${emu.url}/_sts` } as never);
    const policy = {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload'], Resource: [`acs:oss:*:*:${emu.buckets[0]}/users/kim/*`] }],
    };
    let calls = 0;
    const port = await proxy({
      accessKeyId: undefined,
      accessKeySecret: undefined,
      credentials: async () => {
        calls++;
        const { credentials: c } = await sts.assumeRole('acs:ram::1234567890:role/uploader', policy, 900, 'proxy');
        const t = c as unknown as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
        return { accessKeyId: t.AccessKeyId, accessKeySecret: t.AccessKeySecret, securityToken: t.SecurityToken, expiration: t.Expiration };
      },
      signatureVersion: 'v1',
      partSize: 128 * KiB,
    });
    const mark = emu.requests().length;
    const sent = await post(port, { files: [{ name: 'k.bin', size: 300 * KiB }], headers: { 'x-user': 'kim' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const toOss = emu.requests().slice(mark).filter((r) => r.bucket);
    assert.deepEqual(toOss.map((r) => r.op), ['InitiateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    assert.ok(toOss.every((r) => r.accessKeyId?.startsWith('STS.')), 'every request to OSS signed with the STS key');
    const head = await oss.head((sent.body as ProxyResult).key);
    assert.equal((head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], sent.crcs[0]!.toString());
    assert.equal(calls, 1);

    const outside = await post(port, { files: [{ name: 'l.bin', size: 300 * KiB }], headers: { 'x-user': 'lee' } });
    assert.equal(outside.status, 502);
    assert.equal(outside.body.code, 'OssError');
    assert.equal(outside.body.ossCode, 'AccessDenied');
    assert.deepEqual(await openUploads(emu), []);
  });

  test('options are checked when the handler is made', () => {
    const base = { accessKeyId: 'a', accessKeySecret: 'b', bucket: 'demo', region: 'cn-hangzhou' };
    assert.throws(() => createProxyHandler({ ...base, partSize: 1000 }), /partSize/);
    assert.throws(() => createProxyHandler({ ...base, multipartThreshold: 16 * MiB }), /multipartThreshold/);
    assert.throws(() => createProxyHandler({ ...base, partSize: MiB, maxSize: 20 * 1024 ** 3 }), /maxSize/);
    assert.throws(() => createProxyHandler({ ...base, contentTypes: ['image'] }), /MIME/);
    assert.throws(() => createProxyHandler({ ...base, allowedDirs: ['../x'] }), /allowedDirs/);
    assert.throws(() => createProxyHandler({ ...base, endpoint: 'http://127.0.0.1:9000', pathStyle: false }), /pathStyle/);
    assert.doesNotThrow(() => createProxyHandler({ ...base, endpoint: 'http://127.0.0.1:9000' }));
  });
});

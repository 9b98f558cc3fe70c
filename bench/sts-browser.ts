// The sts strategy in headless Chromium: MB/s for the same file (default 256 MiB; written by Node
// and chosen through the page's <input type=file>, so that it is on disk as a user's is — see
// bench/data.ts writeData for what an in-memory Blob costs; STS_BENCH_BLOB=memory builds one instead) through
//   - one `fetch` PUT of the whole file (the ceiling),
//   - our engine through StsStrategy, with its defaults and with other part sizes / parallelism
//     (the measurements behind the defaults in src/strategies/multipart/plan.ts),
//   - the same through the element (<oss-upload strategy="sts">), controller and events included,
//   - StsStrategy with `engine: 'ali-oss'`, directly and through the element,
//   - ali-oss's multipartUpload called directly with its defaults (1 MiB × 5, seed pattern 2),
// each the median of 3 runs, with its ratio to the ceiling. The server is a local OSS stand-in
// that answers like OSS (UploadId, ETag, CORS with ETag exposed) and writes nothing to disk, on
// another origin than the page (so every part pays its CORS preflight, as against OSS): the
// numbers are about the client, not about a server's disk. It keeps what arrives (references to
// the received chunks, no copy) and assembles each object from the parts its Complete lists; after
// every run, with the clock stopped, its bytes are counted and their CRC-64 compared with the
// data's (bench/data.ts), so an engine that skipped, repeated
// or misplaced a part fails the benchmark instead of looking fast. Then one 1 GiB upload through the
// element: the longest task on the page's main thread (a Chrome trace) and the JS heap's growth. Also
// the gzipped size of what a page downloads before its first upload (the element bundle) and of the
// lazily loaded ali-oss engine. bench/slow-link.ts measures the same engine on a paced link.
//
// Pitfalls (../shared/TOOLCHAIN.md): puppeteer's network monitoring slows uploads, so it is
// launched with `networkEnabled: false`; the data is ready before any clock starts.
import { build, type Metafile, type OutputFile } from 'esbuild';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { Crc64 } from '../src/signing/crc64.js';
import { dataCrc, dataKeyHex, writeData } from './data.js';
import type { Benchmark, BenchOptions, Row } from './run.js';

const MiB = 1024 * 1024;
const DEFAULT_SIZE = 256 * MiB;
const RUNS = 3;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const stsBrowser: Benchmark = {
  name: 'sts',
  description: 'sts strategy in Chromium: our engine vs one fetch PUT vs ali-oss (256 MiB to an in-memory stand-in, bytes and CRC-64 checked); main thread and heap during 1 GiB; bundle sizes',
  run: runStsBrowser,
};

// ---- servers ----

interface Running {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Running> {
  const server: Server = createServer(handler);
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const ETAG = '"D41D8CD98F00B204E9800998ECF8427E"';
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;

/** An object as the stand-in received it: the request bodies' chunks, in the object's order. */
interface Received {
  key: string;
  chunks: Buffer[];
}

interface StandIn {
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** The objects completed since the last call (a PUT, or a CompleteMultipartUpload). */
  take(): Received[];
  /** Multipart uploads initiated and neither completed nor aborted. */
  open(): number;
}

/**
 * Answers as OSS would (no signature check) and keeps what arrives in memory, without copying or
 * hashing it while the clock runs: `take()` hands the completed objects to be checked afterwards.
 */
function standInOss(): StandIn {
  let uploadIds = 0;
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer[]> }>();
  const completed: Received[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin ? {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'GET, PUT, POST, DELETE, HEAD',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
      'Access-Control-Expose-Headers': 'ETag, x-oss-request-id, x-oss-hash-crc64ecma',
      'Access-Control-Max-Age': '600',
    } : {};
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, headers: Record<string, string> = {}, body = '') =>
        res.writeHead(status, { ...cors, 'x-oss-request-id': '0123456789ABCDEF01234567', 'Content-Length': String(Buffer.byteLength(body)), ...headers }).end(body);
      const noSuchUpload = () => reply(404, { 'Content-Type': 'application/xml' }, xml('<Error><Code>NoSuchUpload</Code></Error>'));
      const key = url.pathname.split('/').slice(2).join('/');
      const uploadId = q.get('uploadId');
      const upload = uploadId === null ? undefined : uploads.get(uploadId);
      if (req.method === 'OPTIONS') return reply(200);
      if (req.method === 'POST' && q.has('uploads')) {
        const id = `bench-upload-${++uploadIds}`;
        uploads.set(id, { key, parts: new Map() });
        return reply(200, { 'Content-Type': 'application/xml' }, xml(`<InitiateMultipartUploadResult><Bucket>bench</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`));
      }
      if (req.method === 'PUT' && uploadId === null) {
        completed.push({ key, chunks });
        return reply(200, { ETag: ETAG });
      }
      if (req.method === 'PUT') {
        if (!upload) return noSuchUpload();
        upload.parts.set(Number(q.get('partNumber')), chunks);
        return reply(200, { ETag: ETAG });
      }
      if (req.method === 'POST' && uploadId !== null) {
        if (!upload) return noSuchUpload();
        const listed = [...Buffer.concat(chunks).toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
        const missing = listed.filter((n) => !upload.parts.has(n));
        if (listed.length === 0 || missing.length) {
          return reply(400, { 'Content-Type': 'application/xml' }, xml(`<Error><Code>InvalidPart</Code><Message>parts ${missing.join(', ')} were not uploaded</Message></Error>`));
        }
        completed.push({ key: upload.key, chunks: listed.flatMap((n) => upload.parts.get(n)!) });
        uploads.delete(uploadId);
        return reply(200, { 'Content-Type': 'application/xml', ETag: ETAG }, xml(`<CompleteMultipartUploadResult><Location>x</Location><Bucket>bench</Bucket><Key>${key}</Key><ETag>${ETAG}</ETag></CompleteMultipartUploadResult>`));
      }
      if (req.method === 'DELETE' && uploadId !== null) {
        uploads.delete(uploadId);
        return reply(204);
      }
      if (req.method === 'GET' && uploadId !== null) {
        if (!upload) return noSuchUpload();
        const parts = [...upload.parts].sort((a, b) => a[0] - b[0])
          .map(([n, c]) => `<Part><PartNumber>${n}</PartNumber><ETag>${ETAG}</ETag><Size>${c.reduce((t, b) => t + b.length, 0)}</Size></Part>`).join('');
        return reply(200, { 'Content-Type': 'application/xml' }, xml(`<ListPartsResult><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`));
      }
      reply(404);
    });
  };
  return { handler, take: () => completed.splice(0), open: () => uploads.size };
}

/** Checks the one object a run completed: its size and CRC-64 against the data's. Throws on a mismatch. */
function checkReceived(scenario: string, objects: Received[], size: number, crc: bigint): void {
  if (objects.length !== 1) throw new Error(`${scenario}: ${objects.length} objects completed, expected 1`);
  const sum = new Crc64();
  let bytes = 0;
  for (const chunk of objects[0]!.chunks) {
    sum.update(chunk);
    bytes += chunk.length;
  }
  if (bytes !== size) throw new Error(`${scenario}: the server received ${bytes} bytes, the Blob has ${size}`);
  const got = sum.digest();
  if (got !== crc) throw new Error(`${scenario}: the bytes received have CRC-64 ${got}, the Blob's is ${crc}`);
}

// ---- bundles ----

async function bundle(entry: string, minify: boolean): Promise<{ files: OutputFile[]; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry], bundle: true, splitting: true, format: 'esm', minify, write: false, metafile: true,
    outdir: '/out', absWorkingDir: ROOT, target: 'es2022', logLevel: 'silent',
    // The element uses Lit's legacy decorators (tsconfig.json).
    tsconfig: 'tsconfig.json',
  });
  return { files: result.outputFiles, metafile: result.metafile };
}

/** Gzipped bytes of the entry and everything it imports statically, and of what it imports only dynamically. */
function gzipSizes(files: OutputFile[], metafile: Metafile): { initial: number; lazy: number } {
  const byPath = new Map(files.map((f) => [f.path.replace(/^\/out\//, '').replace(/^\//, ''), f.contents]));
  const outputs = metafile.outputs;
  const name = (p: string) => p.replace(/^(\.\.\/)*out\//, '').replace(/^\/out\//, '');
  const entry = Object.keys(outputs).find((p) => outputs[p]!.entryPoint && p.endsWith('.js'))!;
  const initial = new Set<string>();
  const visit = (p: string) => {
    if (initial.has(p)) return;
    initial.add(p);
    for (const i of outputs[p]!.imports) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
  };
  visit(entry);
  let initialBytes = 0;
  let lazyBytes = 0;
  for (const p of Object.keys(outputs)) {
    if (!p.endsWith('.js')) continue;
    const contents = byPath.get(name(p));
    if (!contents) continue;
    const gz = gzipSync(contents, { level: 9 }).length;
    if (initial.has(p)) initialBytes += gz;
    else lazyBytes += gz;
  }
  return { initial: initialBytes, lazy: lazyBytes };
}

// ---- the main thread and the heap during a 1 GiB upload ----

const GiB = 1024 * MiB;

/**
 * One 1 GiB upload through <oss-upload strategy="sts"> (loopback: the most requests and progress
 * events a second): the longest task on the page's main thread, from a Chrome trace of the upload
 * (every task, not only those over 50 ms), and the JS heap: its peak while uploading (sampled every
 * 200 ms) and what is left after a GC, each against the heap after a GC just before. The bytes are
 * checked as in the throughput runs. BENCH_BIG_SIZE (bytes) makes it smaller for a quick run.
 */
async function mainThreadAndHeap(tab: import('puppeteer-core').Page, endpoint: string, standIn: StandIn, work: string, options: BenchOptions): Promise<Row[]> {
  const size = Number(process.env['BENCH_BIG_SIZE'] ?? GiB);
  const seed = `sts-bench-big-${size}`;
  options.log(`main thread and heap: the ${size}-byte file and its CRC-64`);
  const crc = dataCrc(seed, size);
  const path = join(work, 'big.bin');
  await writeData(seed, size, path);
  await (await tab.$('#big'))!.uploadFile(path);
  await tab.evaluate("window.bench.useFile('big')");
  const cdp = await tab.createCDPSession();
  const heap = async () => (await cdp.send('Runtime.getHeapUsage')).usedSize;
  await cdp.send('HeapProfiler.collectGarbage');
  const before = await heap();
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await heap());
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  standIn.take();
  await tab.tracing.start({ categories: ['disabled-by-default-devtools.timeline', 'toplevel'] });
  const ms = await tab.evaluate(`window.bench.element(${endpoint}, 'sts', true)`) as number;
  const trace = await tab.tracing.stop();
  sampling = false;
  await sampler;
  checkReceived('element, 1 GiB', standIn.take(), size, crc);
  await cdp.send('HeapProfiler.collectGarbage');
  const after = await heap();
  await tab.evaluate('window.bench.dropBig()');
  await rm(path, { force: true });
  await cdp.detach();

  interface TraceEvent { ph: string; name: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }
  const events = (JSON.parse(Buffer.from(trace ?? new Uint8Array()).toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`));
  const longest = Math.max(0, ...tasks.map((e) => e.dur ?? 0)) / 1000;
  // The thread's own time: on a busy machine a task's wall time also counts the time it was preempted.
  const longestCpu = Math.max(0, ...tasks.map((e) => e.tdur ?? 0)) / 1000;
  const over50 = tasks.filter((e) => (e.dur ?? 0) >= 50_000).length;
  const perGiB = GiB / size;
  options.log(`main thread and heap: ${Math.round(ms)} ms, ${tasks.length} tasks, longest ${longest.toFixed(1)} ms (CPU ${longestCpu.toFixed(1)} ms), heap ${before} → peak ${peak} → after GC ${after} bytes`);
  const what = `sts: element, ${size / MiB} MiB`;
  const note = 'one upload to the loopback stand-in, bytes and CRC-64 checked';
  return [
    { benchmark: what, metric: 'throughput', value: size / 1e6 / (ms / 1000), unit: 'MB/s', note: `${note}; traced (a little slower than untraced)` },
    { benchmark: what, metric: 'longest main-thread task', value: longest, unit: 'ms', note: `goal < 50 ms; Chrome trace of the upload, every task on the page's main thread; ${over50} of ${tasks.length} took 50 ms or more` },
    { benchmark: what, metric: 'longest task, CPU time', value: longestCpu, unit: 'ms', note: 'the most thread time one task used (on a busy machine the wall time above also counts preemption)' },
    { benchmark: what, metric: 'heap growth, peak', value: ((peak - before) / MiB) * perGiB, unit: 'MiB/GiB', note: 'goal < 32 MiB per GiB; JS heap every 200 ms while uploading, against the heap after a GC just before' },
    { benchmark: what, metric: 'heap growth, kept', value: ((after - before) / MiB) * perGiB, unit: 'MiB/GiB', note: 'after the upload and a GC' },
  ];
}

// ---- the run ----

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Scenario {
  name: string;
  note: string;
  run(page: import('puppeteer-core').Page): Promise<number>;
}

async function runStsBrowser(options: BenchOptions): Promise<Row[]> {
  const size = options.size ?? DEFAULT_SIZE;
  const rows: Row[] = [];

  options.log('bundling the element (sizes) and the bench page');
  const element = await bundle('src/oss-upload.ts', true);
  const sizes = gzipSizes(element.files, element.metafile);
  const page = await bundle('bench/sts-page.js', true);
  const assets = new Map(page.files.map((f) => [`/${f.path.replace(/^\/out\//, '').replace(/^\//, '')}`, f.contents]));

  const seed = `sts-bench-${size}`;
  const work = await mkdtemp(join(tmpdir(), 'oss-bench-sts-'));
  options.log('computing the CRC-64 of the data');
  const crc = dataCrc(seed, size);
  const standIn = standInOss();
  const oss = await listen(standIn.handler);
  const site = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><title>sts bench</title><input type="file" id="data"><input type="file" id="big"><script type="module" src="/sts-page.js"></script>');
      return;
    }
    const body = assets.get(path);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(body);
  });
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    networkEnabled: false,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(site.url);
    await tab.waitForFunction('window.benchReady === true');
    if (process.env['STS_BENCH_BLOB'] === 'memory') {
      options.log(`building a ${size}-byte Blob in the page`);
      await tab.evaluate(`window.bench.makeBlob(${size}, ${JSON.stringify(dataKeyHex(seed))})`);
      await new Promise((r) => setTimeout(r, 2000));
    } else {
      options.log(`writing the ${size}-byte file the page chooses`);
      await writeData(seed, size, join(work, 'data.bin'));
      await (await tab.$('#data'))!.uploadFile(join(work, 'data.bin'));
      await tab.evaluate("window.bench.useFile('data')");
    }

    const endpoint = JSON.stringify(oss.url);
    const strategy = (settings: object) => (p: import('puppeteer-core').Page) =>
      p.evaluate(`window.bench.strategy(${endpoint}, ${JSON.stringify(settings)})`) as Promise<number>;
    const scenarios: Scenario[] = [
      { name: 'fetch PUT (ceiling)', note: 'one request, the whole file', run: (p) => p.evaluate(`window.bench.ceiling(${endpoint})`) as Promise<number> },
      { name: 'sts engine, defaults', note: 'plan.ts: parts cut to the measured rate, up to 6 in flight (the host\'s connections)', run: strategy({}) },
      { name: 'sts engine, defaults × 2', note: 'parts cut to the measured rate, at most 2 in flight', run: strategy({ parallel: 2 }) },
      { name: 'sts engine, defaults × 4', note: 'parts cut to the measured rate, at most 4 in flight', run: strategy({ parallel: 4 }) },
      { name: 'sts engine 8 MiB × 4', note: 'fixed parts', run: strategy({ partSize: 8 * MiB, parallel: 4 }) },
      { name: 'sts engine 16 MiB × 4', note: 'fixed parts', run: strategy({ partSize: 16 * MiB, parallel: 4 }) },
      { name: 'sts engine 32 MiB × 4', note: 'fixed parts', run: strategy({ partSize: 32 * MiB, parallel: 4 }) },
      { name: 'sts engine 64 MiB × 4', note: 'fixed parts', run: strategy({ partSize: 64 * MiB, parallel: 4 }) },
      { name: 'element, strategy=sts', note: '<oss-upload>: controller, events, rendering', run: (p) => p.evaluate(`window.bench.element(${endpoint}, 'sts')`) as Promise<number> },
      { name: 'sts engine=ali-oss', note: '8–32 MiB parts × 4, ali-oss moves the bytes', run: strategy({ engine: 'ali-oss' }) },
      { name: 'element, engine=ali-oss', note: '<oss-upload> with the ali-oss engine', run: (p) => p.evaluate(`window.bench.element(${endpoint}, 'sts-ali-oss')`) as Promise<number> },
      { name: 'ali-oss multipartUpload', note: 'its defaults: 1 MiB × 5', run: (p) => p.evaluate(`window.bench.aliOss(${endpoint})`) as Promise<number> },
    ];
    // Rounds, each running every scenario once: a machine whose load changes during the run
    // (other jobs, 2 cores) then weighs on every scenario alike, not on whichever ran last.
    const times = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
    for (let round = 1; round <= RUNS; round++) {
      for (const s of scenarios) {
        standIn.take();
        times.get(s.name)!.push(await s.run(tab));
        // The clock has stopped: count and check what arrived.
        checkReceived(s.name, standIn.take(), size, crc);
        if (standIn.open()) throw new Error(`${s.name}: ${standIn.open()} multipart uploads left open`);
      }
      options.log(`round ${round}: ${scenarios.map((s) => `${s.name} ${Math.round(times.get(s.name)!.at(-1)!)} ms`).join('; ')}`);
    }
    const mbps: Record<string, number> = {};
    for (const s of scenarios) {
      const ms = median(times.get(s.name)!);
      mbps[s.name] = size / 1e6 / (ms / 1000);
      options.log(`${s.name}: ${times.get(s.name)!.map((t) => Math.round(t)).join(', ')} ms → ${mbps[s.name]!.toFixed(1)} MB/s`);
    }
    rows.push(...await mainThreadAndHeap(tab, endpoint, standIn, work, options));
    const ceiling = mbps['fetch PUT (ceiling)']!;
    for (const s of scenarios) {
      rows.push({
        benchmark: `sts: ${s.name}`, metric: 'throughput', value: mbps[s.name]!, unit: 'MB/s',
        note: `median of ${RUNS}, ${size / MiB} MiB, every run's bytes counted and CRC-64 checked${s.note ? `; ${s.note}` : ''}`,
      });
      if (s.name !== 'fetch PUT (ceiling)') rows.push({ benchmark: `sts: ${s.name}`, metric: 'vs ceiling', value: mbps[s.name]! / ceiling, unit: '×' });
    }
  } finally {
    await browser.close();
    await oss.close();
    await site.close();
    await rm(work, { recursive: true, force: true });
  }
  rows.push(
    { benchmark: 'sts: bundle', metric: 'entry + static imports', value: sizes.initial / 1024, unit: 'KiB gz', note: 'esbuild, minified: the page-load shell; what each phase downloads is the first-load benchmark\'s' },
    { benchmark: 'sts: bundle', metric: 'ali-oss engine, lazy', value: sizes.lazy / 1024, unit: 'KiB gz', note: 'loaded by the first engine="ali-oss" upload' },
  );
  return rows;
}

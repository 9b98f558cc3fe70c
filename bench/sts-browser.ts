// The sts strategy in headless Chromium: MB/s for the same Blob (default 256 MiB) through
//   - one `fetch` PUT of the whole Blob (the ceiling),
//   - our engine through StsStrategy, with its defaults and with other part sizes / parallelism
//     (the measurements behind the defaults in src/strategies/multipart/plan.ts),
//   - the same through the element (<oss-upload strategy="sts">), controller and events included,
//   - StsStrategy with `engine: 'ali-oss'`, directly and through the element,
//   - ali-oss's multipartUpload called directly with its defaults (1 MiB × 5, seed pattern 2),
// each the median of 3 runs, with its ratio to the ceiling. The server is a local OSS stand-in
// that answers like OSS (UploadId, ETag, CORS with ETag exposed) and discards the bytes, on
// another origin than the page (so every part pays its CORS preflight, as against OSS): the
// numbers are about the client, not about a server's disk. Also the gzipped size of what a page
// downloads before its first upload (the element bundle) and of the lazily loaded ali-oss engine.
//
// Pitfalls (../shared/TOOLCHAIN.md): puppeteer's network monitoring slows uploads, so it is
// launched with `networkEnabled: false`; the Blob is built (and read once) before any clock starts.
import { build, type Metafile, type OutputFile } from 'esbuild';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import type { Benchmark, BenchOptions, Row } from './run.js';

const MiB = 1024 * 1024;
const DEFAULT_SIZE = 256 * MiB;
const RUNS = 3;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const stsBrowser: Benchmark = {
  name: 'sts',
  description: 'sts strategy in Chromium: our engine vs one fetch PUT vs ali-oss (256 MiB, discarding server); bundle sizes',
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

/** Answers as OSS would (no signature check) and throws the bytes away. */
function discardingOss(req: IncomingMessage, res: ServerResponse): void {
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
  req.on('data', () => {});
  req.on('end', () => {
    const reply = (status: number, headers: Record<string, string> = {}, body = '') =>
      res.writeHead(status, { ...cors, 'x-oss-request-id': '0123456789ABCDEF01234567', 'Content-Length': String(Buffer.byteLength(body)), ...headers }).end(body);
    const key = url.pathname.split('/').slice(2).join('/');
    if (req.method === 'OPTIONS') return reply(200);
    if (req.method === 'POST' && q.has('uploads')) {
      return reply(200, { 'Content-Type': 'application/xml' }, xml(`<InitiateMultipartUploadResult><Bucket>bench</Bucket><Key>${key}</Key><UploadId>bench-upload</UploadId></InitiateMultipartUploadResult>`));
    }
    if (req.method === 'PUT') return reply(200, { ETag: ETAG });
    if (req.method === 'POST' && q.has('uploadId')) {
      return reply(200, { 'Content-Type': 'application/xml', ETag: ETAG }, xml(`<CompleteMultipartUploadResult><Location>x</Location><Bucket>bench</Bucket><Key>${key}</Key><ETag>${ETAG}</ETag></CompleteMultipartUploadResult>`));
    }
    if (req.method === 'DELETE') return reply(204);
    if (req.method === 'GET' && q.has('uploadId')) {
      return reply(200, { 'Content-Type': 'application/xml' }, xml('<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>'));
    }
    reply(404);
  });
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

  const oss = await listen(discardingOss);
  const site = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>sts bench</title><script type="module" src="/sts-page.js"></script>');
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
    options.log(`building a ${size}-byte Blob`);
    await tab.evaluate(`window.bench.makeBlob(${size})`);
    await new Promise((r) => setTimeout(r, 2000));

    const endpoint = JSON.stringify(oss.url);
    const strategy = (settings: object) => (p: import('puppeteer-core').Page) =>
      p.evaluate(`window.bench.strategy(${endpoint}, ${JSON.stringify(settings)})`) as Promise<number>;
    const scenarios: Scenario[] = [
      { name: 'fetch PUT (ceiling)', note: 'one request, whole Blob', run: (p) => p.evaluate(`window.bench.ceiling(${endpoint})`) as Promise<number> },
      { name: 'sts engine, defaults', note: 'plan.ts: 8 MiB parts growing to 64 MiB, 4 in flight', run: strategy({}) },
      { name: 'sts engine, defaults × 2', note: 'growing parts, 2 in flight', run: strategy({ parallel: 2 }) },
      { name: 'sts engine, defaults × 6', note: 'growing parts, 6 in flight', run: strategy({ parallel: 6 }) },
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
      for (const s of scenarios) times.get(s.name)!.push(await s.run(tab));
      options.log(`round ${round}: ${scenarios.map((s) => `${s.name} ${Math.round(times.get(s.name)!.at(-1)!)} ms`).join('; ')}`);
    }
    const mbps: Record<string, number> = {};
    for (const s of scenarios) {
      const ms = median(times.get(s.name)!);
      mbps[s.name] = size / 1e6 / (ms / 1000);
      options.log(`${s.name}: ${times.get(s.name)!.map((t) => Math.round(t)).join(', ')} ms → ${mbps[s.name]!.toFixed(1)} MB/s`);
    }
    const ceiling = mbps['fetch PUT (ceiling)']!;
    for (const s of scenarios) {
      rows.push({ benchmark: `sts: ${s.name}`, metric: 'throughput', value: mbps[s.name]!, unit: 'MB/s', note: `median of ${RUNS}, ${size / MiB} MiB${s.note ? `; ${s.note}` : ''}` });
      if (s.name !== 'fetch PUT (ceiling)') rows.push({ benchmark: `sts: ${s.name}`, metric: 'vs ceiling', value: mbps[s.name]! / ceiling, unit: '×' });
    }
  } finally {
    await browser.close();
    await oss.close();
    await site.close();
  }
  rows.push(
    { benchmark: 'sts: bundle', metric: 'before first upload', value: sizes.initial / 1024, unit: 'KiB gz', note: 'the element entry and its static imports (esbuild, minified)' },
    { benchmark: 'sts: bundle', metric: 'ali-oss engine, lazy', value: sizes.lazy / 1024, unit: 'KiB gz', note: 'loaded by the first engine="ali-oss" upload' },
  );
  return rows;
}

// The signed-policy strategy through the built element in headless Chromium, uploading one Blob
// (default 256 MiB) to the emulator on loopback, beside one `fetch` PUT of the same Blob to the
// same emulator in the same run (the ceiling); median of 3 each. Both go through the emulator's
// full path (signature check, MD5 and CRC-64 while streaming to disk), so the ratio says what the
// element costs. In the same run, the proxy strategy: the element posts to createProxyHandler
// on the page's own server (this process), which streams to the emulator (8 MiB parts, 3 in
// flight, CRC-64 checked): the browser → app server → OSS path against the same ceiling. Every
// object stored is checked afterwards: its size and the CRC-64 the emulator computed while storing
// it against the data's (bench/data.ts; the page builds the same keystream). Also the gzipped
// sizes of the built browser entry and bundle.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { build } from 'vite';
import { startEmulator } from '../src/emulator/index.js';
import { createProxyHandler, createSignHandler, toNodeListener } from '../src/server/index.js';
import { presignQueryV4, encodeKeyPath } from '../src/signing/index.js';
import { CHROMIUM_ARGS } from '../test/node/support/chromium.js';
import { dataCrc, dataKeyHex } from './data.js';
import type { Benchmark, BenchOptions, Row } from './run.js';

const MiB = 1024 * 1024;
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const signedPolicyBrowser: Benchmark = {
  name: 'signed-policy',
  description: 'signed-policy and proxy through the built element in Chromium vs one fetch PUT, all to the emulator (256 MiB); bundle sizes',
  run,
};

// Runs in the page (as a string: the bench's types are Node's).
const PAGE_SCRIPT = `
import { makeBlob } from '/page-data.js';
let blob;
window.bench = {
  async makeBlob(size, keyHex) {
    blob = await makeBlob(size, keyHex);
  },
  async ceiling(url) {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'PUT', body: blob });
    if (!res.ok) throw new Error('PUT ' + res.status + ' ' + await res.text());
    return performance.now() - t0;
  },
  element(name, selector) {
    const el = document.querySelector(selector);
    return new Promise((resolve, reject) => {
      let t0 = 0;
      const off = () => { el.removeEventListener('oss-upload-start', start); el.removeEventListener('oss-upload-success', ok); el.removeEventListener('oss-upload-error', bad); };
      const start = () => { t0 = performance.now(); };
      const ok = (e) => { off(); resolve(performance.now() - t0); };
      const bad = (e) => { off(); reject(new Error(JSON.stringify(e.detail))); };
      el.addEventListener('oss-upload-start', start);
      el.addEventListener('oss-upload-success', ok);
      el.addEventListener('oss-upload-error', bad);
      el.addFiles([new File([blob], name, { type: 'application/octet-stream' })]);
    });
  },
};
window.benchReady = true;
`;

async function gzippedJs(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) if (f.endsWith('.js')) total += gzipSync(await readFile(join(dir, f)), { level: 9 }).length;
  return total;
}

async function run(options: BenchOptions): Promise<Row[]> {
  const size = options.size ?? 256 * MiB;
  const work = await mkdtemp(join(tmpdir(), 'oss-bench-sp-'));
  const rows: Row[] = [];
  options.log('building the bundle');
  const bundleDir = join(work, 'bundle');
  await build({ configFile: 'vite.config.mjs', logLevel: 'silent', build: { outDir: bundleDir, emptyOutDir: true, sourcemap: false } });
  // The entry without Lit: what the package adds to a page that already has Lit.
  const entryDir = join(work, 'entry');
  await build({
    configFile: 'vite.config.mjs', logLevel: 'silent',
    build: { outDir: entryDir, emptyOutDir: true, sourcemap: false, rollupOptions: { external: [/^lit/, /^@lit\//] } },
  });
  const bundle = await readFile(join(bundleDir, 'oss-upload.bundle.js'));
  const pageData = await readFile(new URL('./page-data.js', import.meta.url));
  const entry = await readFile(join(entryDir, 'oss-upload.bundle.js'));

  const emu = await startEmulator({ port: 0, dataDir: join(work, 'data') });
  const bucket = emu.buckets[0]!;
  const sign = toNodeListener(createSignHandler({
    accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket, region: emu.region,
    host: `${emu.url}/${bucket}`, prefix: 'bench/',
  }));
  const proxy = toNodeListener(createProxyHandler({
    accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket, region: emu.region,
    endpoint: `http://localhost:${emu.port}`, prefix: 'bench/',
  }));
  const page = '<!doctype html><meta charset="utf-8"><title>signed-policy bench</title>'
    + `<script type="module" src="/oss-upload.bundle.js"></script><script type="module">${PAGE_SCRIPT}</script>`
    + '<oss-upload id="signed-policy" strategy="signed-policy" endpoint="/sign" retries="0"></oss-upload>'
    + '<oss-upload id="proxy" strategy="proxy" endpoint="/proxy" retries="0"></oss-upload>';
  const site: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/sign') return sign(req, res);
    if (path === '/proxy') return proxy(req, res);
    if (path === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    if (path === '/page-data.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(pageData);
    const body = await readFile(join(bundleDir, path.slice(1))).catch(() => undefined);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(body);
  });
  site.requestTimeout = 0; // the proxy's uploads may take longer than Node's default 300 s
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, networkEnabled: false, args: CHROMIUM_ARGS });
  try {
    const tab = await browser.newPage();
    await tab.goto(siteUrl);
    await tab.waitForFunction("window.benchReady === true && customElements.get('oss-upload') !== undefined");
    const seed = `signed-policy-bench-${size}`;
    options.log('computing the CRC-64 of the data');
    const crc = dataCrc(seed, size);
    options.log(`building a ${size}-byte Blob`);
    await tab.evaluate(`window.bench.makeBlob(${size}, ${JSON.stringify(dataKeyHex(seed))})`);
    await new Promise((r) => setTimeout(r, 2000));
    const creds = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
    const ceiling: number[] = [];
    const element: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const key = `bench/ceiling-${i}.bin`;
      const query = await presignQueryV4({ method: 'PUT', bucket, key, headers: { 'content-type': 'application/octet-stream' } }, creds, emu.region, 600);
      ceiling.push(await tab.evaluate(`window.bench.ceiling(${JSON.stringify(`${emu.url}/${bucket}/${encodeKeyPath(key)}?${query}`)})`) as number);
      element.push(await tab.evaluate(`window.bench.element('element-${i}.bin', '#signed-policy')`) as number);
      proxied.push(await tab.evaluate(`window.bench.element('proxy-${i}.bin', '#proxy')`) as number);
      options.log(`run ${i + 1}: ceiling ${Math.round(ceiling[i]!)} ms, element ${Math.round(element[i]!)} ms, proxy ${Math.round(proxied[i]!)} ms`);
    }
    // Every upload stored the Blob's bytes: its size, and the CRC-64 the emulator computed while storing.
    const stored = await (await fetch(`${emu.url}/_emulator/objects?bucket=${bucket}`)).json() as Array<{ key: string; size: number; crc64: string }>;
    if (stored.length !== RUNS * 3) throw new Error(`expected ${RUNS * 3} stored objects, found ${stored.length}: ${stored.map((o) => o.key).join(', ')}`);
    for (const o of stored) {
      if (o.size !== size) throw new Error(`${o.key}: ${o.size} bytes stored, the Blob has ${size}`);
      if (o.crc64 !== crc.toString()) throw new Error(`${o.key}: stored with CRC-64 ${o.crc64}, the Blob's is ${crc}`);
    }
    const mbps = (ms: number) => size / 1e6 / (ms / 1000);
    const c = mbps(median(ceiling));
    const e = mbps(median(element));
    const p = mbps(median(proxied));
    const note = `median of ${RUNS}, ${size / MiB} MiB, to the emulator on loopback; every object's size and CRC-64 checked`;
    rows.push(
      { benchmark: 'signed-policy: fetch PUT (ceiling)', metric: 'throughput', value: c, unit: 'MB/s', note },
      { benchmark: 'signed-policy: element (XHR PostObject)', metric: 'throughput', value: e, unit: 'MB/s', note: `${note}; start → success events` },
      { benchmark: 'signed-policy: element (XHR PostObject)', metric: 'vs ceiling', value: e / c, unit: '×' },
      {
        benchmark: 'proxy: element → createProxyHandler → emulator', metric: 'throughput', value: p, unit: 'MB/s',
        note: `${note}; start → success; app server in this process, 8 MiB parts × 3, CRC-64 checked`,
      },
      { benchmark: 'proxy: element → createProxyHandler → emulator', metric: 'vs ceiling', value: p / c, unit: '×' },
      { benchmark: 'size: browser entry (oss-upload, Lit external)', metric: 'gzip -9', value: gzipSync(entry, { level: 9 }).length, unit: 'B', note: `${entry.length} B minified` },
      { benchmark: 'size: dist/oss-upload.bundle.js (with Lit)', metric: 'gzip -9', value: gzipSync(bundle, { level: 9 }).length, unit: 'B', note: `${bundle.length} B minified` },
      { benchmark: 'size: bundle + lazy chunks', metric: 'gzip -9', value: await gzippedJs(bundleDir), unit: 'B', note: 'every .js the build emits (lazy chunks load only when used)' },
    );
  } finally {
    await browser.close();
    site.closeAllConnections();
    site.close();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

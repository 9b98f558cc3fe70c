// The faults run: what the element reports against what OSS holds, under injected failures.
// For each strategy, the built element in Chromium uploads a batch of files (default 50: mostly
// small, some multipart-sized) to the emulator while it fails ~10 % of requests (half 500
// InternalError, half dropped connections, seeded). Then every reported outcome is checked
// against the emulator: each success must be stored byte-exact (CRC-64 of the bytes the page
// generated, recomputed here), each failure must not be stored, no multipart upload may be left
// open under the strategy's prefix, and every injected fault should be visible to the app as an
// `oss-upload-retry` event (whole-file retries) or a part retry.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { startEmulator, type RequestLogEntry } from '../src/emulator/index.js';
import { createProxyHandler, createSignHandler, createStsHandler, toNodeListener } from '../src/server/index.js';
import { crc64 } from '../src/signing/crc64.js';
import type { Benchmark, BenchOptions, Row } from './run.js';
import { startSite, type Route } from './site.js';

const MiB = 1024 * 1024;
const STRATEGIES = ['signed-policy', 'sts', 'proxy'] as const;

export const faultsRun: Benchmark = {
  name: 'faults',
  description: 'the element under ~10 % injected errors and drops: reported outcomes vs what the emulator stores (50 files per strategy)',
  run,
};

/** File i's bytes: xorshift32 from a seed, the same in the page and here. */
const GENERATOR = `
function fill(seed, size) {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; words[i] = x; }
  return new Uint8Array(words.buffer, 0, size);
}`;
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const fill = new Function(`${GENERATOR}; return fill;`)() as (seed: number, size: number) => Uint8Array;

/** Sizes: every fifth file is multipart-sized for sts (9–17 MiB); the rest 1 KiB – 2 MiB. */
function sizes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i % 5 === 4 ? 9 * MiB + ((i * 7919) % (8 * MiB)) : 1024 + ((i * 104729) % (2 * MiB))));
}

const PAGE_SCRIPT = `${GENERATOR}
window.faults = {
  run(selector, sizes, tag) {
    const el = document.querySelector(selector);
    const outcome = { success: {}, error: {}, abort: {}, retries: 0, partRetries: 0, codes: {} };
    return new Promise((resolve, reject) => {
      el.addEventListener('oss-upload-success', (e) => { outcome.success[e.detail.file.name] = e.detail.key; });
      el.addEventListener('oss-upload-error', (e) => { outcome.error[e.detail.file.name] = e.detail.code; });
      el.addEventListener('oss-upload-abort', (e) => { outcome.abort[e.detail.file.name] = true; });
      el.addEventListener('oss-upload-retry', (e) => {
        if (e.detail.part !== undefined) outcome.partRetries++; else outcome.retries++;
        const code = e.detail.error?.code ?? e.detail.code ?? '?';
        outcome.codes[code] = (outcome.codes[code] ?? 0) + 1;
      });
      el.addEventListener('oss-upload-complete', () => resolve(outcome), { once: true });
      el.addFiles(sizes.map((size, i) => new File([fill(i + 1, size)], tag + '-' + i + '.bin', { type: 'application/octet-stream' }))).catch(reject);
    });
  },
};
window.faultsReady = true;
`;

interface Outcome {
  success: Record<string, string>;
  error: Record<string, string>;
  abort: Record<string, boolean>;
  retries: number;
  partRetries: number;
  codes: Record<string, number>;
}

async function run(options: BenchOptions): Promise<Row[]> {
  const count = 50;
  const work = await mkdtemp(join(tmpdir(), 'oss-bench-faults-'));
  const rows: Row[] = [];
  options.log('faults: building the bundle');
  const bundleDir = join(work, 'bundle');
  await build({ configFile: 'vite.config.mjs', logLevel: 'silent', build: { outDir: bundleDir, emptyOutDir: true, sourcemap: false } });
  const emu = await startEmulator({ port: 0, dataDir: join(work, 'data') });
  const bucket = emu.buckets[0]!;
  const creds = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket, region: emu.region };
  const endpoint = `http://localhost:${emu.port}`;
  const routes: Record<string, Route> = {
    '/sign': toNodeListener(createSignHandler({ ...creds, host: `${emu.url}/${bucket}`, prefix: 'faults/signed-policy/' })),
    '/sts': toNodeListener(createStsHandler({
      ...creds, roleArn: 'acs:ram::1234567890123456:role/faults', stsEndpoint: `${emu.url}/_sts`, endpoint, prefix: 'faults/sts/',
    })),
    '/proxy': toNodeListener(createProxyHandler({ ...creds, endpoint, prefix: 'faults/proxy/' })),
  };
  // retry-delay small so the run measures outcomes, not back-off; stall-timeout catches dropped sockets.
  const common = 'multiple retries="3" retry-delay="200" stall-timeout="15000"';
  const page = '<!doctype html><meta charset="utf-8"><title>faults run</title>'
    + `<script type="module" src="/oss-upload.bundle.js"></script><script type="module">${PAGE_SCRIPT}</script>`
    + `<oss-upload id="signed-policy" strategy="signed-policy" endpoint="/sign" ${common}></oss-upload>`
    + `<oss-upload id="sts" strategy="sts" endpoint="/sts" ${common}></oss-upload>`
    + `<oss-upload id="proxy" strategy="proxy" endpoint="/proxy" ${common}></oss-upload>`;
  const site = await startSite({ routes, page, script: (path) => readFile(join(bundleDir, path.slice(1))).catch(() => undefined) });
  const fileSizes = sizes(count);
  try {
    const tab = await site.browser.newPage();
    await tab.goto(site.url);
    await tab.waitForFunction("window.faultsReady === true && customElements.get('oss-upload') !== undefined");
    for (const [n, strategy] of STRATEGIES.entries()) {
      const prefix = `faults/${strategy}/`;
      const failures = [{ op: '*', rate: 0.05, kind: 'error' as const }, { op: '*', rate: 0.05, kind: 'drop' as const }];
      await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
      emu.setFaults({ seed: 1000 + n, failures });
      options.log(`faults: ${strategy}, ${count} files, ${(fileSizes.reduce((a, b) => a + b, 0) / MiB).toFixed(0)} MiB`);
      const t0 = Date.now();
      const outcome = await tab.evaluate(`window.faults.run('#${strategy}', ${JSON.stringify(fileSizes)}, '${strategy}')`) as Outcome;
      const seconds = (Date.now() - t0) / 1000;
      emu.setFaults({});
      // Answers still in flight on the emulator (a dropped socket's late body) settle first.
      await new Promise((r) => setTimeout(r, 500));
      const stored = await (await fetch(`${emu.url}/_emulator/objects?bucket=${bucket}&prefix=${encodeURIComponent(prefix)}`)).json() as Array<{ key: string; size: number; crc64: string }>;
      const byKey = new Map(stored.map((o) => [o.key, o]));
      let exact = 0;
      const wrong: string[] = [];
      for (const [i, size] of fileSizes.entries()) {
        const name = `${strategy}-${i}.bin`;
        const key = outcome.success[name];
        if (key === undefined) continue;
        const object = byKey.get(key);
        if (object && object.size === size && object.crc64 === crc64(fill(i + 1, size)).toString()) exact++;
        else wrong.push(name);
      }
      const reportedKeys = new Set(Object.values(outcome.success));
      const unreported = stored.filter((o) => !reportedKeys.has(o.key)).length;
      const uploads = await (await fetch(`${emu.url}/_emulator/uploads?bucket=${bucket}`)).json() as Array<{ key: string }>;
      const orphans = uploads.filter((u) => u.key.startsWith(prefix)).length;
      const log = await (await fetch(`${emu.url}/_emulator/requests`)).json() as RequestLogEntry[];
      const injected = log.filter((e) => e.fault && (e.key?.startsWith(prefix) || e.op === 'PostObject' || (e.op === 'Unknown'))).length;
      const failed = Object.keys(outcome.error).length;
      const codes = Object.entries(outcome.codes).map(([c, k]) => `${c}×${k}`).join(' ') || 'none';
      const label = `faults: ${strategy}`;
      rows.push(
        { benchmark: label, metric: 'files / reported success', value: `${count} / ${Object.keys(outcome.success).length}`, unit: '', note: `${seconds.toFixed(1)} s; ~10 % of requests failed (5 % 500, 5 % dropped), seed ${1000 + n}` },
        { benchmark: label, metric: 'byte-exact of reported', value: exact, unit: 'files', note: wrong.length ? `NOT exact: ${wrong.join(', ')}` : 'size and CRC-64 of the generated bytes match' },
        { benchmark: label, metric: 'reported failed', value: failed, unit: 'files', note: failed ? `codes: ${[...new Set(Object.values(outcome.error))].join(', ')}` : '' },
        { benchmark: label, metric: 'stored but not reported', value: unreported, unit: 'objects', note: 'objects under the prefix no success event named' },
        { benchmark: label, metric: 'orphaned multipart uploads', value: orphans, unit: 'uploads' },
        { benchmark: label, metric: 'faults injected / retries seen', value: `${injected} / ${outcome.retries + outcome.partRetries}`, unit: '', note: `file retries ${outcome.retries}, part retries ${outcome.partRetries}; by code: ${codes}` },
      );
      if (wrong.length) throw new Error(`faults: ${strategy}: reported success but not stored byte-exact: ${wrong.join(', ')}`);
    }
  } finally {
    await site.close();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

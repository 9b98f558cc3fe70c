// A long path, modelled by the emulator's own link profile: every request body paced to 12.5 MB/s
// and 40 ms added before each request (faults `{ latencyMs: 40, bandwidth: 12.5e6 }`), so one
// connection carries 12.5 MB/s and only more connections go faster (Chromium opens at most 6 per
// host: about 75 MB/s is the ceiling). In headless Chromium, to the emulator, one file (default
// 96 MiB; written by Node and chosen through the page's <input type=file>, so that it is on disk
// as a user's is, see bench/data.ts writeData):
//   - one presigned `fetch` PUT of the whole file (one connection: the yardstick),
//   - <oss-upload> with strategy signed-policy, sts and proxy (the app server on loopback, its
//     handler's parts paced on their way to the emulator),
//   - ali-oss multipartUpload with its defaults (1 MiB parts, 5 at a time), on the same sts credentials,
//   - 40 files of 3 MiB (slices of the same file) through the element, with signed-policy and with sts;
// in rounds, each running every scenario once (a load that changes weighs on every scenario
// alike), the median of the rounds reported with its ratio to one PUT. After every run, with the
// clock stopped, each object the emulator stored is checked: its size and the CRC-64 the emulator
// computed while storing it against the data's (bench/data.ts), then deleted.
//
// SLOW_LINK_ONLY='name;name' runs only the scenarios whose names contain one of them (and one PUT);
// SLOW_LINK_EXTRA=1 adds the sts engine with fixed part sizes; SLOW_LINK_ROUNDS sets the rounds (3);
// SLOW_LINK_VERBOSE=1 logs every run, =2 also its requests (resource timing and the emulator's log).
import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { startEmulator } from '../src/emulator/index.js';
import { createProxyHandler, createSignHandler, createStsHandler, toNodeListener } from '../src/server/index.js';
import { Crc64 } from '../src/signing/crc64.js';
import { encodeKeyPath, presignQueryV4, signHeaderV4 } from '../src/signing/index.js';
import { DATA_BLOCK, dataBlock } from './data.js';
import type { Benchmark, BenchOptions, Row } from './run.js';
import { startSite, type Route } from './site.js';

const MiB = 1024 * 1024;
const DEFAULT_SIZE = 96 * MiB;
const BATCH_FILES = 40;
const BATCH_FILE_SIZE = 3 * MiB;
/** The link profile: the issue's (#11) and TOOLCHAIN.md's. */
export const SLOW_LINK = { latencyMs: 40, bandwidth: 12.5e6 } as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = 'bench/';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const slowLink: Benchmark = {
  name: 'slow-link',
  description: `one PUT vs <oss-upload> (signed-policy, sts, proxy) vs ali-oss, and ${BATCH_FILES} files of 3 MiB, in Chromium over the emulator's link profile (12.5 MB/s per connection, +40 ms per request; 96 MiB)`,
  run,
};

/** What one run of a scenario stores: [file name, start, size] slices of the data. */
type Slice = [name: string, start: number, size: number];

interface Scenario {
  name: string;
  note: string;
  /** Uploads, returns ms; `tag` makes its object names unique to this run. */
  run(tab: Page, tag: string): Promise<number>;
  /** The slices this run stores (checked afterwards). */
  slices(tag: string): Slice[];
}

async function run(options: BenchOptions): Promise<Row[]> {
  const size = options.size ?? DEFAULT_SIZE;
  const rounds = Number(process.env['SLOW_LINK_ROUNDS'] ?? 3);
  const dataSize = Math.max(size, BATCH_FILES * BATCH_FILE_SIZE);
  const work = await mkdtemp(join(tmpdir(), 'oss-bench-slow-'));

  options.log('bundling the page');
  const bundled = await build({
    entryPoints: ['bench/slow-link-page.js'], bundle: true, splitting: true, format: 'esm', minify: true, write: false,
    outdir: '/out', absWorkingDir: ROOT, target: 'es2022', logLevel: 'silent', tsconfig: 'tsconfig.json',
  });
  const assets = new Map(bundled.outputFiles.map((f) => [`/${f.path.replace(/^\/out\//, '').replace(/^\//, '')}`, f.contents]));

  const seed = `slow-link-bench-${dataSize}`;
  options.log('computing the data and its CRC-64s');
  const data = Buffer.concat(Array.from({ length: Math.ceil(dataSize / DATA_BLOCK) }, (_, i) => dataBlock(seed, i, Math.min(DATA_BLOCK, dataSize - i * DATA_BLOCK))));
  const crcs = new Map<string, string>();
  const crcOf = (start: number, length: number): string => {
    const id = `${start}+${length}`;
    let crc = crcs.get(id);
    if (crc === undefined) {
      const sum = new Crc64();
      sum.update(data.subarray(start, start + length));
      crc = sum.digest().toString();
      crcs.set(id, crc);
    }
    return crc;
  };

  const emu = await startEmulator({ port: 0, dataDir: join(work, 'data') });
  const bucket = emu.buckets[0]!;
  const creds = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
  const target = { ...creds, bucket, region: emu.region, endpoint: `http://localhost:${emu.port}`, prefix: PREFIX };
  const routes: Record<string, Route> = {
    '/sign': toNodeListener(createSignHandler({ ...target, host: `http://localhost:${emu.port}/${bucket}` })),
    '/sts': toNodeListener(createStsHandler({ ...target, roleArn: 'acs:ram::1234567890123456:role/bench', stsEndpoint: `${emu.url}/_sts` })),
    '/proxy': toNodeListener(createProxyHandler(target)),
  };
  const site = await startSite({
    routes,
    page: '<!doctype html><meta charset="utf-8"><title>slow-link bench</title><input type="file"><script type="module" src="/slow-link-page.js"></script>',
    script: (path) => assets.get(path),
  });
  const rows: Row[] = [];
  try {
    const tab = await site.browser.newPage();
    await tab.goto(site.url);
    await tab.waitForFunction("window.benchReady === true && customElements.get('oss-upload') !== undefined");
    options.log(`writing the ${dataSize}-byte file the page chooses`);
    const dataFile = join(work, 'data.bin');
    await writeFile(dataFile, data);
    await (await tab.$('input[type=file]'))!.uploadFile(dataFile);
    if (await tab.evaluate('window.bench.useFile()') !== dataSize) throw new Error('the page did not get the data file');

    const one = (tag: string): Slice[] => [[`${tag}.bin`, 0, size]];
    const batch = (tag: string): Slice[] => Array.from({ length: BATCH_FILES }, (_, i): Slice => [`${tag}-${i}.bin`, i * BATCH_FILE_SIZE, BATCH_FILE_SIZE]);
    const element = (attributes: Record<string, string>, slices: (tag: string) => Slice[]) => (tab: Page, tag: string) =>
      tab.evaluate(`window.bench.element(${JSON.stringify(attributes)}, ${JSON.stringify(slices(tag))})`) as Promise<number>;
    const sts = { strategy: 'sts', endpoint: '/sts' };
    const scenarios: Scenario[] = [
      {
        name: 'one PUT', note: 'presigned fetch PUT of the whole file: one connection', slices: one,
        run: async (t, tag) => {
          const key = `${PREFIX}${tag}.bin`;
          const query = await presignQueryV4({ method: 'PUT', bucket, key, headers: { 'content-type': 'application/octet-stream' } }, creds, emu.region, 600);
          return t.evaluate(`window.bench.put(${JSON.stringify(`${emu.url}/${bucket}/${encodeKeyPath(key)}?${query}`)}, ${size})`) as Promise<number>;
        },
      },
      { name: 'element, signed-policy', note: 'one PostObject', slices: one, run: element({ strategy: 'signed-policy', endpoint: '/sign', 'key-template': '{name}' }, one) },
      { name: 'element, sts', note: 'the sts engine with its defaults', slices: one, run: element({ ...sts, 'key-template': '{name}' }, one) },
      { name: 'element, proxy', note: 'app server on loopback; its handler sends 8 MiB parts × 3 over the link', slices: one, run: element({ strategy: 'proxy', endpoint: '/proxy', 'key-template': '{name}' }, one) },
      {
        name: 'ali-oss multipartUpload', note: 'its defaults: 1 MiB parts, 5 at a time', slices: one,
        run: (t, tag) => t.evaluate(`window.bench.aliOss('/sts', ${JSON.stringify(`${tag}.bin`)}, ${size})`) as Promise<number>,
      },
      {
        name: `${BATCH_FILES} × 3 MiB, signed-policy`, note: 'element defaults; addFiles → complete', slices: batch,
        run: element({ strategy: 'signed-policy', endpoint: '/sign', 'key-template': '{name}', multiple: '' }, batch),
      },
      { name: `${BATCH_FILES} × 3 MiB, sts`, note: 'element defaults; addFiles → complete', slices: batch, run: element({ ...sts, 'key-template': '{name}', multiple: '' }, batch) },
    ];
    if (process.env['SLOW_LINK_EXTRA']) {
      for (const [mib, parallel] of [[2, 6], [4, 6], [8, 6], [16, 6], [8, 4]] as const) {
        scenarios.push({
          name: `sts engine ${mib} MiB × ${parallel}`, note: 'StsStrategy, fixed parts', slices: one,
          run: (t, tag) => t.evaluate(`window.bench.strategy('/sts', ${JSON.stringify({ partSize: mib * MiB, parallel })}, ${JSON.stringify(`${tag}.bin`)}, ${size})`) as Promise<number>,
        });
      }
    }
    const only = process.env['SLOW_LINK_ONLY']?.split(';').map((s) => s.trim()).filter(Boolean);
    const selected = only ? scenarios.filter((s) => s.name === 'one PUT' || only.some((o) => s.name.includes(o))) : scenarios;

    emu.setFaults(SLOW_LINK);
    const times = new Map<string, number[]>(selected.map((s) => [s.name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const [i, s] of selected.entries()) {
        const tag = `r${round}s${i}`;
        await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
        times.get(s.name)!.push(await s.run(tab, tag).catch((error: unknown) => {
          throw new Error(`${s.name}: ${error instanceof Error ? error.message : String(error)}`);
        }));
        if (process.env['SLOW_LINK_VERBOSE']) {
          options.log(`${s.name}: ${Math.round(times.get(s.name)!.at(-1)!)} ms`);
          if (process.env['SLOW_LINK_VERBOSE'] === '2') {
            options.log(JSON.stringify(await tab.evaluate('window.benchTimeline()')));
            const log = emu.requests();
            const t0 = Date.parse(log[0]?.time ?? '');
            options.log(log.map((r) => `${Date.parse(r.time) - t0}:${r.method}${r.partNumber ?? ''}`).join(' '));
          }
        }
        await check(s.name, s.slices(tag));
      }
      options.log(`round ${round}: ${selected.map((s) => `${s.name} ${Math.round(times.get(s.name)!.at(-1)!)} ms`).join('; ')}`);
    }

    /** The stored objects of one run against the slices: size and CRC-64; then removed (the disk stays small). */
    async function check(scenario: string, slices: Slice[]): Promise<void> {
      const listed = await (await fetch(`${emu.url}/_emulator/objects?bucket=${bucket}&prefix=${PREFIX}`)).json() as Array<{ key: string; size: number; crc64: string }>;
      if (listed.length !== slices.length) throw new Error(`${scenario}: ${listed.length} objects stored, expected ${slices.length}`);
      for (const [name, start, length] of slices) {
        // The proxy handler puts an id of its own before the name.
        const o = listed.find((x) => x.key === `${PREFIX}${name}` || x.key.endsWith(`/${name}`));
        if (!o) throw new Error(`${scenario}: ${name} was not stored (stored: ${listed.map((x) => x.key).join(', ')})`);
        if (o.size !== length) throw new Error(`${scenario}: ${o.key} has ${o.size} bytes, the file ${length}`);
        if (o.crc64 !== crcOf(start, length)) throw new Error(`${scenario}: ${o.key} stored with CRC-64 ${o.crc64}, the file's is ${crcOf(start, length)}`);
      }
      const uploads = await (await fetch(`${emu.url}/_emulator/uploads?bucket=${bucket}`)).json() as unknown[];
      if (uploads.length) throw new Error(`${scenario}: ${uploads.length} multipart uploads left open`);
      const faults = emu.requests().filter((r) => r.fault);
      if (faults.length) throw new Error(`${scenario}: the emulator injected ${faults.length} failures`);
      for (const o of listed) {
        const headers = await signHeaderV4({ method: 'DELETE', bucket, key: o.key }, creds, emu.region);
        const res = await fetch(`${emu.url}/${bucket}/${encodeKeyPath(o.key)}`, { method: 'DELETE', headers });
        if (res.status !== 204) throw new Error(`deleting ${o.key}: HTTP ${res.status}`);
      }
    }

    const mbps = (name: string, bytes: number) => bytes / 1e6 / (median(times.get(name)!) / 1000);
    const put = mbps('one PUT', size);
    for (const s of selected) {
      const bytes = s.slices('x').reduce((t, [, , n]) => t + n, 0);
      const value = mbps(s.name, bytes);
      options.log(`${s.name}: ${times.get(s.name)!.map((t) => Math.round(t)).join(', ')} ms → ${value.toFixed(1)} MB/s`);
      rows.push({
        benchmark: `slow link: ${s.name}`, metric: 'throughput', value, unit: 'MB/s',
        note: `median of ${rounds}, ${bytes / MiB} MiB, 12.5 MB/s per connection +40 ms per request, interleaved; every object's size and CRC-64 checked; ${s.note}`,
      });
      if (s.name !== 'one PUT') rows.push({ benchmark: `slow link: ${s.name}`, metric: 'vs one PUT', value: value / put, unit: '×' });
    }
  } finally {
    await site.close();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

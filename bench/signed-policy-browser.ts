// The element through the built bundle in headless Chromium, uploading one file (default 256 MiB)
// to the emulator on loopback, beside one PUT of the same file to the same emulator, by `fetch` and
// by XMLHttpRequest (the faster of the two is the ceiling: fetch sends a File as a Blob, which
// Chromium's browser process reads into the request, XHR as the file, which the network service
// reads): the element's PostObject form sent by the page's own XHR (what the protocol costs, without
// the element), the element with signed-policy (one PostObject), with sts (the engine's defaults;
// credentials from createStsHandler and the emulator's own STS endpoint) and with proxy
// (createProxyHandler on the page's own server, this process, streaming to the emulator: 8 MiB
// parts, 3 in flight). All go through the emulator's full path (signature check, MD5 and CRC-64
// while streaming to disk), so each ratio says what that way of uploading costs against one PUT.
// In rounds, each running every scenario once (a load that changes weighs on all alike), medians
// reported, with each round's own ratio. The file is written by Node (bench/data.ts writeData) and
// chosen through the page's <input type=file>, on disk as a user's is, and handed to the element as
// it is (SIGNED_POLICY_BLOB=memory uploads a Blob made in the page instead). After each run, with
// the clock stopped, the stored object is checked (its size, and the CRC-64 the emulator computed
// while storing it against the data's) and deleted.
//
// The emulator runs as a child process (its CLI), so that the CPU time of each side can be told
// apart: per scenario, the CPU seconds per GiB of the emulator (/proc/<pid>/stat), of this process
// (the app server: the proxy's handler, the sign and sts endpoints) and of Chromium's processes by
// role (the page's renderer, the network service, the browser process, gpu: the compositor's
// software frames). Also the gzipped sizes of the built browser entry and bundle.
//
// SIGNED_POLICY_ROUNDS sets the rounds (3); SIGNED_POLICY_VERBOSE=1 logs every run's CPU.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'puppeteer-core';
import { build } from 'vite';
import { createProxyHandler, createSignHandler, createStsHandler, toNodeListener } from '../src/server/index.js';
import { encodeKeyPath, presignQueryV4, signHeaderV4 } from '../src/signing/index.js';
import { dataCrc, dataKeyHex, writeData } from './data.js';
import { startChild } from './emulator-memory.js';
import { procCpuMs, stopChild } from './proc.js';
import type { Benchmark, BenchOptions, Row } from './run.js';
import { startSite, type Route } from './site.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PREFIX = 'bench/';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const signedPolicyBrowser: Benchmark = {
  name: 'signed-policy',
  description: 'one PUT (fetch, XHR) and the bare PostObject form vs the built element with signed-policy, sts and proxy, all to the emulator on loopback (256 MiB file from disk), with each side\'s CPU per GiB; bundle sizes',
  run,
};

// Runs in the page (as a string: the bench's types are Node's).
const PAGE_SCRIPT = `
import { makeBlob } from '/page-data.js';
let blob;
window.bench = {
  useFile() {
    blob = document.querySelector('input[type=file]').files[0];
    return blob.size;
  },
  async makeBlob(size, keyHex) {
    blob = await makeBlob(size, keyHex);
    return blob.size;
  },
  async fetch(url) {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'PUT', body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
    if (!res.ok) throw new Error('PUT ' + res.status + ' ' + await res.text());
    return performance.now() - t0;
  },
  // The same PUT by XHR: XHR sends a File as the file (the network service reads it), fetch as a
  // Blob (Chromium's browser process reads it into the request).
  async xhrPut(url) {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      xhr.addEventListener('load', resolve);
      xhr.addEventListener('error', () => reject(new Error('XHR PUT: network error')));
      xhr.send(blob);
    });
    if (xhr.status !== 200) throw new Error('XHR PUT ' + xhr.status + ' ' + xhr.responseText);
    return performance.now() - t0;
  },
  // The element's request without the element: the same form (policy from /sign, file last) by XHR
  // with an upload progress listener; timed from send to the answer.
  async form(name) {
    const q = new URLSearchParams({ name, size: String(blob.size), type: 'application/octet-stream' });
    const p = await (await fetch('/sign?' + q)).json();
    const form = new FormData();
    form.append('key', p.dir + name);
    for (const [field, value] of Object.entries(p.fields)) form.append(field, value);
    form.append('Content-Type', 'application/octet-stream');
    form.append('file', blob, name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', p.host);
    xhr.upload.addEventListener('progress', () => {});
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      xhr.addEventListener('load', resolve);
      xhr.addEventListener('error', () => reject(new Error('form POST: network error')));
      xhr.send(form);
    });
    if (xhr.status < 200 || xhr.status >= 300) throw new Error('form POST ' + xhr.status + ' ' + xhr.responseText);
    return performance.now() - t0;
  },
  element(name, selector) {
    const el = document.querySelector(selector);
    return new Promise((resolve, reject) => {
      let t0 = 0;
      const off = () => { el.removeEventListener('oss-upload-start', start); el.removeEventListener('oss-upload-success', ok); el.removeEventListener('oss-upload-error', bad); };
      const start = () => { t0 = performance.now(); };
      const ok = () => { off(); resolve(performance.now() - t0); };
      const bad = (e) => { off(); reject(new Error(JSON.stringify(e.detail))); };
      el.addEventListener('oss-upload-start', start);
      el.addEventListener('oss-upload-success', ok);
      el.addEventListener('oss-upload-error', bad);
      // The chosen File itself, as a user's: wrapped in a new File it would be a Blob of a Blob, which
      // Chromium's browser process reads into the request instead of the network service reading the file.
      // addFiles may return a promise (it does once it reads the files asynchronously).
      Promise.resolve(el.addFiles([blob instanceof File ? blob : new File([blob], name, { type: 'application/octet-stream' })])).catch((e) => { off(); reject(e); });
    });
  },
};
window.benchReady = true;
`;

async function gzippedJs(dir: string): Promise<number> {
  let total = 0;
  // The CDN build puts its lazy chunks in a folder beside the entry.
  for (const f of await readdir(dir, { recursive: true })) if (f.endsWith('.js')) total += gzipSync(await readFile(join(dir, f)), { level: 9 }).length;
  return total;
}

/** What a Chromium process is, from its command line: renderer, network (service), browser, or its --type. */
function chromiumRole(cmdline: string): string {
  const type = /--type=(\S+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  if (type === 'utility') return /NetworkService/.test(cmdline) ? 'network' : 'utility';
  return type === 'gpu-process' ? 'gpu' : type;
}

/** CPU ms so far of the browser process and each of its descendants, summed by role (processes that exited are not counted). */
function chromiumCpuMs(rootPid: number): Map<string, number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  const isOurs = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 16; p = parent.get(p), hops++) if (p === rootPid) return true;
    return false;
  };
  const byRole = new Map<string, number>();
  for (const pid of parent.keys()) {
    if (!isOurs(pid)) continue;
    let cmdline = '';
    try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { continue; }
    const ms = procCpuMs(pid);
    if (Number.isNaN(ms)) continue;
    const role = chromiumRole(cmdline);
    byRole.set(role, (byRole.get(role) ?? 0) + ms);
  }
  return byRole;
}

interface Scenario {
  /** The row's name. */
  benchmark: string;
  note: string;
  run(tab: Page, round: number): Promise<number>;
}

interface Cpu {
  emulator: number;
  app: number;
  chromium: Map<string, number>;
}

async function run(options: BenchOptions): Promise<Row[]> {
  const size = options.size ?? 256 * MiB;
  const rounds = Number(process.env['SIGNED_POLICY_ROUNDS'] ?? 3);
  const inMemory = process.env['SIGNED_POLICY_BLOB'] === 'memory';
  const verbose = Boolean(process.env['SIGNED_POLICY_VERBOSE']);
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

  const emu = await startChild(join(work, 'data'));
  const { bucket } = emu;
  const creds = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
  const target = { ...creds, bucket, region: emu.region, endpoint: `http://localhost:${emu.port}`, prefix: PREFIX };
  const routes: Record<string, Route> = {
    '/sign': toNodeListener(createSignHandler({ ...target, host: `${emu.url}/${bucket}` })),
    '/sts': toNodeListener(createStsHandler({ ...target, roleArn: 'acs:ram::1234567890123456:role/bench', stsEndpoint: `${emu.url}/_sts` })),
    '/proxy': toNodeListener(createProxyHandler(target)),
  };
  const page = '<!doctype html><meta charset="utf-8"><title>signed-policy bench</title><input type="file">'
    + `<script type="module" src="/oss-upload.bundle.js"></script><script type="module">${PAGE_SCRIPT}</script>`
    + '<oss-upload id="signed-policy" strategy="signed-policy" endpoint="/sign" retries="0"></oss-upload>'
    + '<oss-upload id="sts" strategy="sts" endpoint="/sts" retries="0"></oss-upload>'
    + '<oss-upload id="proxy" strategy="proxy" endpoint="/proxy" retries="0"></oss-upload>';
  const site = await startSite({
    routes,
    page,
    script: (path) => (path === '/page-data.js' ? pageData : readFile(join(bundleDir, path.slice(1))).catch(() => undefined)),
  });
  try {
    const browserPid = site.browser.process()?.pid;
    if (browserPid === undefined) throw new Error('no Chromium process to measure');
    const tab = await site.browser.newPage();
    await tab.goto(site.url);
    await tab.waitForFunction("window.benchReady === true && customElements.get('oss-upload') !== undefined");
    const seed = `signed-policy-bench-${size}`;
    options.log('computing the CRC-64 of the data');
    const crc = dataCrc(seed, size).toString();
    if (inMemory) {
      options.log(`building a ${size}-byte Blob in the page`);
      if (await tab.evaluate(`window.bench.makeBlob(${size}, ${JSON.stringify(dataKeyHex(seed))})`) !== size) throw new Error('the page did not make the Blob');
    } else {
      options.log(`writing the ${size}-byte file the page chooses`);
      const dataFile = join(work, 'data.bin');
      await writeData(seed, size, dataFile);
      await (await tab.$('input[type=file]'))!.uploadFile(dataFile);
      if (await tab.evaluate('window.bench.useFile()') !== size) throw new Error('the page did not get the data file');
    }
    await new Promise((r) => setTimeout(r, 2000));

    const element = (selector: string, name: string) => (t: Page, round: number) =>
      t.evaluate(`window.bench.element(${JSON.stringify(`${name}-${round}.bin`)}, ${JSON.stringify(selector)})`) as Promise<number>;
    const put = (name: string, method: string) => async (t: Page, round: number) => {
      const key = `${PREFIX}${name}-${round}.bin`;
      const query = await presignQueryV4({ method: 'PUT', bucket, key, headers: { 'content-type': 'application/octet-stream' } }, creds, emu.region, 600);
      return t.evaluate(`window.bench.${method}(${JSON.stringify(`${emu.url}/${bucket}/${encodeKeyPath(key)}?${query}`)})`) as Promise<number>;
    };
    const scenarios: Scenario[] = [
      { benchmark: 'signed-policy: fetch PUT', note: 'one presigned fetch PUT of the file', run: put('ceiling', 'fetch') },
      { benchmark: 'signed-policy: XHR PUT', note: 'one presigned XMLHttpRequest PUT of the file', run: put('xhr-put', 'xhrPut') },
      {
        benchmark: 'signed-policy: XHR form POST, no element', note: 'the element\'s PostObject form sent by the page\'s own XHR: what the protocol costs',
        run: (t, round) => t.evaluate(`window.bench.form(${JSON.stringify(`form-${round}.bin`)})`) as Promise<number>,
      },
      { benchmark: 'signed-policy: element (XHR PostObject)', note: 'start → success events', run: element('#signed-policy', 'element') },
      { benchmark: 'sts: element → emulator', note: 'start → success events; the engine\'s defaults, credentials from createStsHandler via the emulator\'s /_sts', run: element('#sts', 'sts') },
      {
        benchmark: 'proxy: element → createProxyHandler → emulator', note: 'start → success; app server in this process, 8 MiB parts × 3, CRC-64 checked',
        run: element('#proxy', 'proxy'),
      },
    ];

    const readCpu = (): Cpu => {
      const own = process.cpuUsage();
      return { emulator: procCpuMs(emu.pid), app: (own.user + own.system) / 1000, chromium: chromiumCpuMs(browserPid) };
    };
    const times = new Map<string, number[]>(scenarios.map((s) => [s.benchmark, []]));
    const cpus = new Map<string, Cpu[]>(scenarios.map((s) => [s.benchmark, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const s of scenarios) {
        const before = readCpu();
        const ms = await s.run(tab, round).catch((error: unknown) => {
          throw new Error(`${s.benchmark}: ${error instanceof Error ? error.message : String(error)}`);
        });
        const after = readCpu();
        const chromium = new Map([...after.chromium].map(([role, v]) => [role, v - (before.chromium.get(role) ?? 0)]));
        const cpu: Cpu = { emulator: after.emulator - before.emulator, app: after.app - before.app, chromium };
        times.get(s.benchmark)!.push(ms);
        cpus.get(s.benchmark)!.push(cpu);
        if (verbose) options.log(`${s.benchmark}: ${Math.round(ms)} ms; CPU ms: ${cpuText(cpu)}`);
        await check(s.benchmark);
      }
      options.log(`round ${round}: ${scenarios.map((s) => `${s.benchmark.split(':')[0]} ${Math.round(times.get(s.benchmark)!.at(-1)!)} ms`).join(', ')}`);
    }

    /** The one object a run stored: its size and CRC-64 against the data's; then deleted (the disk stays small). */
    async function check(scenario: string): Promise<void> {
      const listed = await (await fetch(`${emu.url}/_emulator/objects?bucket=${bucket}`)).json() as Array<{ key: string; size: number; crc64: string }>;
      if (listed.length !== 1) throw new Error(`${scenario}: ${listed.length} objects stored, expected 1: ${listed.map((o) => o.key).join(', ')}`);
      const o = listed[0]!;
      if (o.size !== size) throw new Error(`${scenario}: ${o.key}: ${o.size} bytes stored, the file has ${size}`);
      if (o.crc64 !== crc) throw new Error(`${scenario}: ${o.key}: stored with CRC-64 ${o.crc64}, the file's is ${crc}`);
      const uploads = await (await fetch(`${emu.url}/_emulator/uploads?bucket=${bucket}`)).json() as unknown[];
      if (uploads.length) throw new Error(`${scenario}: ${uploads.length} multipart uploads left open`);
      const headers = await signHeaderV4({ method: 'DELETE', bucket, key: o.key }, creds, emu.region);
      const res = await fetch(`${emu.url}/${bucket}/${encodeKeyPath(o.key)}`, { method: 'DELETE', headers });
      if (res.status !== 204) throw new Error(`deleting ${o.key}: HTTP ${res.status}`);
    }

    const mbps = (ms: number) => size / 1e6 / (ms / 1000);
    // The ceiling is the faster of the two PUTs: one request with nothing around it.
    const puts = scenarios.slice(0, 2).map((s) => ({ name: s.benchmark, value: mbps(median(times.get(s.benchmark)!)) }));
    const top = puts[0]!.value >= puts[1]!.value ? puts[0]! : puts[1]!;
    const ceiling = top.value;
    const source = inMemory ? 'a Blob made in the page' : 'a file on disk chosen through <input type=file>';
    const note = `median of ${rounds}, ${size / MiB} MiB (${source}), to the emulator on loopback, interleaved; every object's size and CRC-64 checked`;
    for (const s of scenarios) {
      const ms = times.get(s.benchmark)!;
      const value = mbps(median(ms));
      options.log(`${s.benchmark}: ${ms.map((t) => Math.round(t)).join(', ')} ms → ${value.toFixed(1)} MB/s`);
      rows.push({ benchmark: s.benchmark, metric: 'throughput', value, unit: 'MB/s', note: `${note}; ${s.note}` });
      if (s.benchmark !== top.name) {
        // Each round's own ratio too: on a busy machine they show how far a median can be trusted.
        const perRound = ms.map((t, r) => (times.get(top.name)![r]! / t).toFixed(2)).join(', ');
        rows.push({ benchmark: s.benchmark, metric: 'vs ceiling', value: value / ceiling, unit: '×', note: `against ${top.name.replace(/^signed-policy: /, '')}, the faster PUT; round by round ${perRound}` });
      }
      // CPU seconds per GiB uploaded, the median of the rounds for each side.
      const perGiB = (pick: (c: Cpu) => number) => median(cpus.get(s.benchmark)!.map(pick)) / 1000 / (size / GiB);
      const roles = [...new Set(cpus.get(s.benchmark)!.flatMap((c) => [...c.chromium.keys()]))].sort();
      const chromiumTotal = perGiB((c) => [...c.chromium.values()].reduce((a, b) => a + b, 0));
      const parts = roles.map((r) => `${r} ${perGiB((c) => c.chromium.get(r) ?? 0).toFixed(2)}`).filter((t) => !/ 0\.00$/.test(t));
      rows.push({
        benchmark: s.benchmark, metric: 'CPU per GiB: emulator', value: perGiB((c) => c.emulator), unit: 's',
        note: `emulator child process user + system (10 ms ticks), median of ${rounds}; this process (app server, and the bench driving Chromium) ${perGiB((c) => c.app).toFixed(2)} s`,
      });
      rows.push({ benchmark: s.benchmark, metric: 'CPU per GiB: Chromium', value: chromiumTotal, unit: 's', note: `every Chromium process: ${parts.join(', ')}` });
    }
    rows.push(
      { benchmark: 'size: browser entry (oss-upload, Lit external)', metric: 'gzip -9', value: gzipSync(entry, { level: 9 }).length, unit: 'B', note: `${entry.length} B minified` },
      { benchmark: 'size: dist/oss-upload.bundle.js (with Lit)', metric: 'gzip -9', value: gzipSync(bundle, { level: 9 }).length, unit: 'B', note: `${bundle.length} B minified` },
      { benchmark: 'size: bundle + lazy chunks', metric: 'gzip -9', value: await gzippedJs(bundleDir), unit: 'B', note: 'every .js the build emits (lazy chunks load only when used)' },
    );
  } finally {
    await site.close();
    await stopChild(emu.proc);
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

function cpuText(c: Cpu): string {
  return `emulator ${Math.round(c.emulator)}, app ${Math.round(c.app)}, ${[...c.chromium].filter(([, v]) => v > 0).map(([r, v]) => `${r} ${Math.round(v)}`).join(', ')}`;
}

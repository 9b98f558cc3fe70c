// What a page downloads before its first upload (issue #11, item 4: at most 16 kB of gzipped JS for a
// page with <oss-upload strategy="signed-policy">), in headless Chromium, in two delivery forms:
//   - app: a Vite production build of an index.html + main.ts that does `import 'oss-upload'`, the
//     way a user's app is built (Vite's defaults, minified), with 'oss-upload' aliased to this
//     checkout's src/oss-upload.ts (no `npm run build`, dist/ untouched);
//   - cdn: the bundle vite.config.mjs builds (the CDN file and whatever chunks it emits), built
//     into a temp folder.
// Each is served by a server in this process that counts every JS response it sends (raw bytes and
// gzip -9 of each body; sent gzipped, no-store, and each page on a port, so an origin, of its own:
// nothing comes from a cache or an earlier page's module map). Pages: signed-policy, sts, proxy and
// a lang="zh-CN" signed-policy page; phases: page load (network idle, no interaction), after hover
// and focus (the mouse over the element, then Tab into it: the core does not load for these), and
// by the first upload, the user's path: a click on the button opens the picker (the core starts
// loading), the file is chosen in it, and goes to the emulator through the sign, sts or proxy
// handler, the stored object's size checked. Every chunk of both builds is reported with its
// gzipped size, named by the modules rolldown put in it, and when it first loaded. kB here is 1000
// bytes.
//
// Then what loading the core on first use costs on a slow link: on the CDN signed-policy page, with
// Chromium's network throttled (DevTools' presets), the time from the click on the button to the
// sign request reaching the site server, the core loaded on the click (cold) or before it (warm),
// and with a picker answered after a second (a quick human) the time from the choice to it.
//
// FIRST_LOAD_ROOT=/path/to/checkout measures another checkout's src/ and vite.config.mjs (its
// node_modules may be a symlink to this one's); the servers and the emulator are this checkout's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer, { PredefinedNetworkConditions, type Browser, type ConsoleMessage, type NetworkConditions, type Page } from 'puppeteer-core';
import { build } from 'vite';
import { startEmulator } from '../src/emulator/index.js';
import { createProxyHandler, createSignHandler, createStsHandler, toNodeListener } from '../src/server/index.js';
import { CHROMIUM_ARGS } from '../test/node/support/chromium.js';
import type { Benchmark, BenchOptions, Row } from './run.js';

const BUDGET = 16_000;
const PREFIX = 'bench/';
const WAIT_MS = 20_000;
/** Pages visited at the same time. */
const AT_ONCE = 2;
const kB = (bytes: number) => bytes / 1000;

export const firstLoad: Benchmark = {
  name: 'first-load',
  description: 'gzipped JS a page downloads in Chromium before and by its first upload (Vite app and CDN bundle; signed-policy, sts, proxy, zh-CN pages); every chunk\'s size',
  run,
};

/** A JS file one build emitted. */
interface Chunk {
  file: string;
  /** What is in it: its largest modules (src/ paths without extension, package names). */
  label: string;
  /** Every module in it, by the same names, largest first. */
  modules: string[];
  role: 'entry' | 'lazy' | 'shared';
  raw: number;
  gz: number;
}

interface Built {
  form: 'app' | 'cdn';
  dir: string;
  chunks: Map<string, Chunk>;
  /** gzip -9 of each file served, by URL path, made on its first request. */
  gzipped: Map<string, Buffer>;
  /** The page's HTML with `element` in its body. */
  page(element: string): string;
}

/** rolldown's output chunk, as much of it as is read here. */
interface OutChunk {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  isDynamicEntry: boolean;
  modules: Record<string, { renderedLength: number }>;
}
type OutFile = OutChunk | { type: 'asset'; fileName: string };

/** The short name of a module id: a package name, a path under src/ without extension, a bundler helper, or `app`. */
function moduleName(id: string, root: string): string {
  const path = id.replace(/^\0/, '').replace(/\?.*$/, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [scope, name] = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = scope!.startsWith('@') ? `${scope}/${name}` : scope!;
    // Lit's four packages are one thing to a reader of this table.
    return /^(lit|lit-html|lit-element|@lit\/reactive-element)$/.test(pkg) ? 'lit' : pkg;
  }
  const src = join(root, 'src') + '/';
  if (path.startsWith(src)) return path.slice(src.length).replace(/\.[cm]?[jt]s$/, '');
  // Bundler helpers (vite/preload-helper, rolldown/runtime) and the app's own files.
  return path.startsWith('/') ? 'app' : path.replace(/\.js$/, '');
}

/** A chunk's modules grouped by name, largest first. */
function moduleNames(modules: Record<string, { renderedLength: number }>, root: string): string[] {
  const sizes = new Map<string, number>();
  for (const [id, m] of Object.entries(modules)) {
    if (m.renderedLength === 0) continue;
    const name = moduleName(id, root);
    sizes.set(name, (sizes.get(name) ?? 0) + m.renderedLength);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).map(([n]) => n);
}

/** A chunk's label: the first `most` of its module names. */
function chunkLabel(names: string[], most = 3): string {
  if (names.length === 0) return '(empty)';
  return names.slice(0, most).join(', ') + (names.length > most ? ` +${names.length - most}` : '');
}

function chunksOf(output: unknown, root: string): Map<string, Chunk> {
  const outputs = (Array.isArray(output) ? output : [output]) as Array<{ output?: OutFile[] }>;
  const chunks = new Map<string, Chunk>();
  for (const o of outputs) {
    if (!o.output) throw new Error('vite build returned no output (a watcher?)');
    for (const f of o.output) {
      if (f.type !== 'chunk') continue;
      const body = Buffer.from(f.code);
      const modules = moduleNames(f.modules, root);
      chunks.set(f.fileName, {
        file: f.fileName,
        label: chunkLabel(modules),
        modules,
        role: f.isEntry ? 'entry' : f.isDynamicEntry ? 'lazy' : 'shared',
        raw: body.length,
        gz: gzipSync(body, { level: 9 }).length,
      });
    }
  }
  return chunks;
}

/** A user's app: index.html + main.ts with `import 'oss-upload'`, Vite's defaults, production. */
async function buildApp(root: string, work: string): Promise<Built> {
  const app = join(work, 'app');
  await mkdir(app, { recursive: true });
  await writeFile(join(app, 'index.html'),
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>first load</title>'
    + '<script type="module" src="./main.ts"></script></head>\n<body>\n</body>\n</html>\n');
  await writeFile(join(app, 'main.ts'), "import 'oss-upload';\n");
  const output = await build({
    root: app, configFile: false, mode: 'production', logLevel: 'silent',
    resolve: { alias: [{ find: /^oss-upload$/, replacement: join(root, 'src', 'oss-upload.ts') }] },
    build: { outDir: join(work, 'app-out'), emptyOutDir: true },
  });
  const dir = join(work, 'app-out');
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  if (!html.includes('</body>')) throw new Error(`the app's built index.html has no </body>:\n${html}`);
  return { form: 'app', dir, chunks: chunksOf(output, root), gzipped: new Map(), page: (element) => html.replace('</body>', `${element}\n</body>`) };
}

/** The CDN file: vite.config.mjs's build, into a temp folder. */
async function buildCdn(root: string, work: string): Promise<Built> {
  const dir = join(work, 'cdn-out');
  const output = await build({
    root, configFile: join(root, 'vite.config.mjs'), logLevel: 'silent',
    build: { outDir: dir, emptyOutDir: true, sourcemap: false },
  });
  const chunks = chunksOf(output, root);
  const entries = [...chunks.values()].filter((c) => c.role === 'entry');
  if (entries.length !== 1) throw new Error(`vite.config.mjs built ${entries.length} entries: ${entries.map((c) => c.file).join(', ')}`);
  const src = `/${entries[0]!.file}`;
  return {
    form: 'cdn', dir, chunks, gzipped: new Map(),
    page: (element) => `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>first load</title><script type="module" src="${src}"></script></head>\n<body>\n${element}\n</body>\n</html>\n`,
  };
}

interface PageSpec {
  name: string;
  element: string;
}

const PAGES: PageSpec[] = [
  { name: 'signed-policy', element: '<oss-upload strategy="signed-policy" endpoint="/sign"></oss-upload>' },
  { name: 'sts', element: '<oss-upload strategy="sts" endpoint="/sts"></oss-upload>' },
  { name: 'proxy', element: '<oss-upload strategy="proxy" endpoint="/proxy"></oss-upload>' },
  { name: 'zh-CN', element: '<oss-upload lang="zh-CN" strategy="signed-policy" endpoint="/sign"></oss-upload>' },
];

const PHASES = ['page load', 'after hover and focus', 'by first upload'] as const;
type Phase = typeof PHASES[number];

/** The JS files served in each phase of one page (in the order served; a file may repeat). */
type Visit = Record<Phase, string[]>;

type Routes = Record<string, (req: IncomingMessage, res: ServerResponse) => void>;

/** The button that opens the picker: where a user starts an upload. */
const BUTTON = 'oss-upload >>> [part~="button"]';
/** Rounds of each slow-link case; the median is reported. */
const ROUNDS = 5;
/** How long the quick human of case (c) takes to choose a file in the picker. */
const PICKER_MS = 1000;

const sum = (files: Iterable<string>, chunks: Map<string, Chunk>, key: 'gz' | 'raw') =>
  [...files].reduce((t, f) => t + (chunks.get(f)?.[key] ?? 0), 0);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function run(options: BenchOptions): Promise<Row[]> {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const root = await realpath(process.env['FIRST_LOAD_ROOT'] ?? here);
  const work = await mkdtemp(join(tmpdir(), 'oss-bench-first-load-'));
  const rows: Row[] = [];
  let browser: Browser | undefined;
  const emu = await startEmulator({ port: 0, dataDir: join(work, 'data') });
  try {
    options.log(`building the app and the CDN bundle from ${root}`);
    const t0 = performance.now();
    const builds = [await buildApp(root, work), await buildCdn(root, work)];
    options.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const bucket = emu.buckets[0]!;
    const target = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket, region: emu.region, endpoint: `http://localhost:${emu.port}`, prefix: PREFIX };
    const routes: Routes = {
      '/sign': toNodeListener(createSignHandler({ ...target, host: `http://localhost:${emu.port}/${bucket}` })),
      '/sts': toNodeListener(createStsHandler({ ...target, roleArn: 'acs:ram::1234567890123456:role/bench', stsEndpoint: `${emu.url}/_sts` })),
      '/proxy': toNodeListener(createProxyHandler(target)),
    };
    // A page that stops answering fails the bench in a minute, not puppeteer's default three.
    browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, protocolTimeout: 60_000 });
    const jobs = builds.flatMap((built) => PAGES.map((page) => ({ built, page })));
    const visits = new Map<string, Visit>();
    // A few pages at a time: most of a visit is waiting for the network to go quiet. Each worker
    // keeps its tab (a new one costs seconds of renderer start-up on a busy machine), in a browser
    // context of its own: two tabs of one context share a window, and the hidden one gets no
    // animation frames (puppeteer's waitForSelector waits for them).
    const worker = async () => {
      const context = await browser!.createBrowserContext();
      const tab = await context.newPage();
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const id = `${job.built.form}, ${job.page.name}`;
        visits.set(id, await visit(tab, job.built, job.page, id, routes, work, emu.url, bucket, options));
      }
      await context.close();
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    for (const built of builds) rows.push(...report(built, visits));
    // Alone in the browser, one page at a time: these are times, and two cores are shared.
    rows.push(...await slowLink(browser, builds.find((b) => b.form === 'cdn')!, routes, work, options));
  } finally {
    await browser?.close();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

/** One page's server (a port, so an origin, of its own): the page, the build's files, the routes; it notes every JS file it sends. */
interface Site {
  url: string;
  /** The build's JS files sent since the last take, in order (a file may repeat). */
  take(): string[];
  /** JS files sent that the build did not report as chunks. */
  unknown: string[];
  close(): void;
}

async function openSite(built: Built, element: string, routes: Routes): Promise<Site> {
  let served: string[] = [];
  const unknown: string[] = [];
  const site: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const route = routes[path];
    if (route) return route(req, res);
    // Chromium asks for one on every page; a 404 would be logged as a console error.
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (path === '/' || path === '/index.html') {
      return void res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' }).end(built.page(element));
    }
    const file = join(built.dir, path);
    if (relative(built.dir, file).startsWith('..')) return void res.writeHead(403).end();
    readFile(file).then((body) => {
      const js = extname(path) === '.js' || extname(path) === '.mjs';
      if (js) (built.chunks.has(path.slice(1)) ? served : unknown).push(path.slice(1));
      const headers = { 'Content-Type': js ? 'text/javascript' : 'application/octet-stream', 'Cache-Control': 'no-store' };
      if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return void res.writeHead(200, headers).end(body);
      // Compressed, as a CDN sends it: on a throttled link the bytes on the wire are what take time.
      let gz = built.gzipped.get(path);
      if (!gz) built.gzipped.set(path, gz = gzipSync(body, { level: 9 }));
      res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }).end(gz);
    }, () => void res.writeHead(404).end());
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://localhost:${(site.address() as AddressInfo).port}/`,
    take: () => {
      const files = served;
      served = [];
      return files;
    },
    unknown,
    close: () => {
      site.closeAllConnections();
      site.close();
    },
  };
}

/** Waits for <oss-upload> to be defined and rendered (its shell; this loads no core). */
function rendered(tab: Page): Promise<unknown> {
  return tab.evaluate(`Promise.race([
    customElements.whenDefined('oss-upload').then(() => document.querySelector('oss-upload').updateComplete),
    new Promise((_, reject) => setTimeout(() => reject(new Error('<oss-upload> was not defined and rendered within ${WAIT_MS} ms')), ${WAIT_MS})),
  ])`);
}

/** A click on the button, as a user's, and the picker it opened (intercepted: no dialog shows). */
async function openPicker(tab: Page) {
  const [chooser] = await Promise.all([tab.waitForFileChooser({ timeout: WAIT_MS }), tab.click(BUTTON)]);
  return chooser;
}

/**
 * One page, served by a server of its own (so that visits can run side by side and share no
 * origin) that notes every JS file it sends: the files of each phase, once the upload is checked.
 */
async function visit(
  tab: Page, built: Built, page: PageSpec, id: string,
  routes: Routes, work: string, emulatorUrl: string, bucket: string, options: BenchOptions,
): Promise<Visit> {
  const site = await openSite(built, page.element, routes);
  const filePath = join(work, `first-load-${built.form}-${page.name}.txt`);
  const content = `first load: ${id}\n`.repeat(64);
  await writeFile(filePath, content);
  const started = performance.now();
  const errors: string[] = [];
  const onError = (e: unknown) => void errors.push(`pageerror: ${String(e)}`);
  const onConsole = (m: ConsoleMessage) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`));
  const fail = (what: string, err?: unknown) => new Error(`${id}: ${what}${err ? `: ${message(err)}` : ''}${errors.length ? `\n${errors.join('\n')}` : ''}`);
  try {
    tab.on('pageerror', onError);
    tab.on('console', onConsole);
    const idle = () => tab.waitForNetworkIdle({ idleTime: 500, timeout: WAIT_MS });

    await tab.goto(site.url, { waitUntil: 'networkidle0', timeout: WAIT_MS }).catch((e: unknown) => { throw fail('the page did not load', e); });
    await rendered(tab).catch((e: unknown) => { throw fail('the element', e); });
    await idle();
    const load = site.take();

    await tab.hover('oss-upload');
    await tab.keyboard.press('Tab');
    // Both must hold, or this phase would measure nothing.
    const state = await tab.evaluate(`(() => {
      const el = document.querySelector('oss-upload');
      return { hover: el.matches(':hover'), focus: document.activeElement === el };
    })()`) as { hover: boolean; focus: boolean };
    if (!state.hover || !state.focus) throw fail(`after the hover and the Tab the element has hover ${state.hover}, focus ${state.focus}`);
    await idle();
    const hoverFocus = site.take();

    const outcome = tab.evaluate(`new Promise((resolve, reject) => {
      const el = document.querySelector('oss-upload');
      el.addEventListener('oss-upload-success', (e) => resolve(e.detail.key), { once: true });
      el.addEventListener('oss-upload-error', (e) => reject(new Error('oss-upload-error ' + e.detail.code + ': ' + e.detail.message)), { once: true });
      setTimeout(() => reject(new Error('no success or error event within ${WAIT_MS} ms')), ${WAIT_MS});
    })`) as Promise<string>;
    // Handled below; this keeps a failed click from leaving it rejected with no one listening.
    outcome.catch(() => undefined);
    // The user's path: the click opens the picker (the core starts loading), the file is chosen in it.
    const chooser = await openPicker(tab).catch((e: unknown) => { throw fail('a click on the button opened no file picker', e); });
    await chooser.accept([filePath]);
    const key = await outcome.catch((e: unknown) => { throw fail('the upload failed', e); });
    await idle();
    const upload = site.take();

    const stored = await (await fetch(`${emulatorUrl}/_emulator/objects?bucket=${bucket}&prefix=${PREFIX}`)).json() as Array<{ key: string; size: number }>;
    const object = stored.find((o) => o.key === key);
    if (!object) throw fail(`the success event named ${key}, which the emulator does not hold (it holds ${stored.map((o) => o.key).join(', ')})`);
    if (object.size !== Buffer.byteLength(content)) throw fail(`${key} has ${object.size} bytes stored, the file ${Buffer.byteLength(content)}`);
    if (errors.length) throw fail('the page reported errors');
    if (site.unknown.length) throw fail(`JS files served that the build did not report as chunks: ${site.unknown.join(', ')}`);
    const gz = (files: string[]) => kB(sum(new Set(files), built.chunks, 'gz')).toFixed(1);
    options.log(`${id}: load ${gz(load)} kB gz, +hover and focus ${gz(hoverFocus)}, +upload ${gz(upload)} (${Math.round(performance.now() - started)} ms)`);
    return { 'page load': load, 'after hover and focus': hoverFocus, 'by first upload': upload };
  } finally {
    tab.off('pageerror', onError);
    tab.off('console', onConsole);
    // Leave the page, so that it holds no connection to this server and sends nothing more to it.
    await tab.goto('about:blank').catch(() => undefined);
    // The mouse stays where it was: put it in the body's margin, off where the next element will be.
    await tab.mouse.move(0, 0).catch(() => undefined);
    site.close();
  }
}

/** One case of the slow-link measure. */
interface SlowCase {
  metric: string;
  /** The core loaded before the click (`addFiles([])`, as any method call does). */
  warm: boolean;
  /** How long the picker stays open before the file is chosen in it. */
  pickerMs: number;
}

const SLOW_CASES: SlowCase[] = [
  { metric: 'click → first request (cold, picker at once)', warm: false, pickerMs: 0 },
  { metric: 'click → first request (warm: core loaded before the click)', warm: true, pickerMs: 0 },
  { metric: `accept → first request (cold, picker answered after ${PICKER_MS / 1000} s)`, warm: false, pickerMs: PICKER_MS },
];

/** What one round saw, in ms (wall clock: the page's and the site server's Date.now(), one machine). */
interface SlowRound {
  clickToSign: number;
  acceptToSign: number;
  /** From the click to the file's arrival: the intercepted picker's round trip through CDP, or the human's wait. */
  clickToAccept: number;
  /** When the core's response ended (the page's resource timing), after the click; cold only. */
  coreAt?: number;
  /** The JS files sent from the click to the sign request. */
  after: string[];
  /** The JS the page requested after the click, in round trips: each wave's requests start after the previous wave's first response ended. */
  waves: Wave[];
}

/** A chunk's file name without its folder and hash: `bundle/core-CgAo-3su.js` → `core`. */
const shortName = (file: string) => file.split('/').pop()!.replace(/-[\w-]{8}\.js$/, '');

/** Requests sent together (ms from the click). */
interface Wave {
  files: string[];
  start: number;
  firstEnd: number;
}

/** [file, start, end] of each JS request (ms from the click), grouped into round trips. */
function wavesOf(requests: Array<[string, number, number]>): Wave[] {
  const waves: Wave[] = [];
  for (const [file, start, end] of [...requests].sort((a, b) => a[1] - b[1])) {
    const wave = waves.at(-1);
    if (wave && start < wave.firstEnd) {
      wave.files.push(file);
      wave.firstEnd = Math.min(wave.firstEnd, end);
    } else {
      waves.push({ files: [file], start, firstEnd: end });
    }
  }
  return waves;
}

/** Fast 3G, and Slow 4G unless it is Fast 3G under another name (in puppeteer-core 24 it is, as in DevTools and Lighthouse): then Fast 4G. */
function slowProfiles(): Array<{ name: string; conditions: NetworkConditions }> {
  const fast3g = PredefinedNetworkConditions['Fast 3G'];
  const second = JSON.stringify(PredefinedNetworkConditions['Slow 4G']) === JSON.stringify(fast3g) ? 'Fast 4G' : 'Slow 4G';
  return [{ name: 'Fast 3G', conditions: fast3g }, { name: second, conditions: PredefinedNetworkConditions[second] }];
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * What loading on first use costs on a slow link: the CDN signed-policy page, loaded at full
 * speed, then throttled; a click on the button, the file chosen, until the sign request reaches the
 * site server. ROUNDS rounds, each with every profile and case in turn (interleaved: a machine that
 * slows down mid-run weighs on all of them), each in a new browser context on a new origin.
 */
async function slowLink(browser: Browser, built: Built, routes: Routes, work: string, options: BenchOptions): Promise<Row[]> {
  const core = [...built.chunks.values()].find((c) => c.modules.includes('element/core'));
  if (!core) throw new Error(`no chunk of the ${built.form} build holds src/element/core`);
  const filePath = join(work, 'first-load-slow-link.txt');
  await writeFile(filePath, 'first load on a slow link\n'.repeat(64));
  const profiles = slowProfiles();
  const seen = new Map<string, SlowRound[]>();
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const profile of profiles) {
      for (let i = 0; i < SLOW_CASES.length; i++) {
        const kase = SLOW_CASES[(i + round) % SLOW_CASES.length]!;
        const key = `${profile.name}: ${kase.metric}`;
        const r = await slowRound(browser, built, core.file, routes, filePath, profile.conditions, kase, `${built.form}, signed-policy, ${key}, round ${round + 1}`);
        seen.set(key, [...(seen.get(key) ?? []), r]);
      }
    }
    options.log(`slow link: round ${round + 1} of ${ROUNDS} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const rows: Row[] = [];
  const range = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
  for (const profile of profiles) {
    const c = profile.conditions;
    const alias = profile.name === 'Fast 4G' ? ' (Slow 4G is Fast 3G\'s alias in this puppeteer-core)' : '';
    const link = `${profile.name}${alias}: ${c.latency} ms latency per request, ${(c.download * 8 / 1e6).toFixed(2)} Mbit/s down, ${(c.upload * 8 / 1e6).toFixed(2)} up`;
    const warm = median(seen.get(`${profile.name}: ${SLOW_CASES[1]!.metric}`)!.map((r) => r.clickToSign));
    for (const kase of SLOW_CASES) {
      const rounds = seen.get(`${profile.name}: ${kase.metric}`)!;
      const ms = rounds.map((r) => (kase.pickerMs ? r.acceptToSign : r.clickToSign));
      const value = median(ms);
      const files = new Set(rounds[0]!.after);
      const parts = [`median of ${ROUNDS} (${range(ms)})`];
      const med = (pick: (r: SlowRound) => number) => Math.round(median(rounds.map(pick)));
      if (!kase.warm && !kase.pickerMs) parts.push(`${Math.round(value - warm)} ms more than warm`);
      parts.push(kase.pickerMs ? `click → request ${med((r) => r.clickToSign)}` : `click → file in ${med((r) => r.clickToAccept)} (the intercepted picker)`);
      if (!kase.warm) parts.push(`the core's response ended ${med((r) => r.coreAt!)} after the click`);
      const { waves, clickToAccept } = rounds[0]!;
      const early = kase.pickerMs ? `, ${waves.filter((w) => w.start < clickToAccept).length} of them before the file came` : '';
      parts.push(`JS after the click (${files.size} files, ${kB(sum(files, built.chunks, 'gz')).toFixed(1)} kB gz) in ${waves.length} round trips${early}: ${waves.map((w) => w.files.join(', ')).join(' | ')}`);
      if (kase === SLOW_CASES[0]) parts.push(link);
      rows.push({ benchmark: `first-load: ${built.form}, signed-policy, ${profile.name}`, metric: kase.metric, value: Math.round(value), unit: 'ms', note: parts.join('; ') });
    }
  }
  return rows;
}

async function slowRound(
  browser: Browser, built: Built, core: string, routes: Routes, filePath: string,
  conditions: NetworkConditions, kase: SlowCase, id: string,
): Promise<SlowRound> {
  let signAt: number | undefined;
  let after: string[] = [];
  let signed!: () => void;
  const sign = new Promise<void>((r) => { signed = r; });
  const site: Site = await openSite(built, PAGES[0]!.element, {
    ...routes,
    // Timestamped as it arrives, before the handler reads it.
    '/sign': (req, res) => {
      if (signAt === undefined) {
        signAt = Date.now();
        after = site.take();
        signed();
      }
      routes['/sign']!(req, res);
    },
  });
  const errors: string[] = [];
  const fail = (what: string, err?: unknown) => new Error(`${id}: ${what}${err ? `: ${message(err)}` : ''}${errors.length ? `\n${errors.join('\n')}` : ''}`);
  // A new context, a new page, a new origin: no memory cache, module map or connection of an earlier round.
  const context = await browser.createBrowserContext();
  let timer: NodeJS.Timeout | undefined;
  try {
    const tab = await context.newPage();
    tab.on('pageerror', (e: unknown) => void errors.push(`pageerror: ${String(e)}`));
    await tab.setCacheEnabled(false);
    await tab.goto(site.url, { waitUntil: 'load', timeout: WAIT_MS }).catch((e: unknown) => { throw fail('the page did not load', e); });
    await rendered(tab).catch((e: unknown) => { throw fail('the element', e); });
    if (kase.warm) await tab.evaluate(`document.querySelector('oss-upload').addFiles([])`);
    await tab.waitForNetworkIdle({ idleTime: 200, timeout: WAIT_MS });
    const before = site.take();
    if (before.includes(core) !== kase.warm) throw fail(`the core was ${kase.warm ? 'not ' : ''}loaded before the click (${before.join(', ')})`);
    await tab.evaluate(`(() => {
      const t = window.__firstLoad = {};
      document.addEventListener('click', () => { t.click ??= Date.now(); t.clickPerf ??= performance.now(); }, { capture: true });
      // Before the element's own listener (which lists the file and may start its upload): capture, on the shadow root.
      const accepted = () => { t.accept ??= Date.now(); };
      document.querySelector('oss-upload').shadowRoot.addEventListener('input', accepted, { capture: true });
      document.querySelector('oss-upload').shadowRoot.addEventListener('change', accepted, { capture: true });
    })()`);
    // Only what follows the click is measured, and all of it on the slow link.
    await tab.emulateNetworkConditions(conditions);
    const chooser = await openPicker(tab).catch((e: unknown) => { throw fail('a click on the button opened no file picker', e); });
    if (kase.pickerMs) await sleep(kase.pickerMs);
    await chooser.accept([filePath]);
    await Promise.race([sign, new Promise((_, reject) => { timer = setTimeout(() => reject(fail(`no sign request within ${WAIT_MS} ms`)), WAIT_MS); })]);
    const t = await tab.evaluate(`(() => {
      const t = window.__firstLoad;
      const core = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/${core}'));
      const js = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js') && e.startTime >= t.clickPerf)
        .map((e) => [e.name.slice(location.origin.length + 1), e.startTime - t.clickPerf, e.responseEnd - t.clickPerf]);
      return { click: t.click, accept: t.accept, coreAt: core && t.clickPerf !== undefined ? core.responseEnd - t.clickPerf : undefined, js };
    })()`) as { click?: number; accept?: number; coreAt?: number; js: Array<[string, number, number]> };
    if (t.click === undefined || t.accept === undefined) throw fail(`the page saw ${t.click === undefined ? 'no click' : 'no file chosen'}`);
    if (after.includes(core) === kase.warm) throw fail(`the core was ${kase.warm ? '' : 'not '}loaded between the click and the sign request (${after.join(', ')})`);
    if (!kase.warm && t.coreAt === undefined) throw fail('the page has no resource timing for the core');
    if (errors.length) throw fail('the page reported errors');
    if (site.unknown.length) throw fail(`JS files served that the build did not report as chunks: ${site.unknown.join(', ')}`);
    return {
      clickToSign: signAt! - t.click, acceptToSign: signAt! - t.accept, clickToAccept: t.accept - t.click, coreAt: t.coreAt, after,
      waves: wavesOf(t.js.map(([file, start, end]) => [shortName(file), start, end])),
    };
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => undefined);
    site.close();
  }
}

/** The rows of one delivery form: totals per page and phase (cumulative), each page's extra chunks, every chunk. */
function report(built: Built, visits: Map<string, Visit>): Row[] {
  const rows: Row[] = [];
  const { chunks } = built;
  const until = (visit: Visit, phase: Phase) => new Set(PHASES.slice(0, PHASES.indexOf(phase) + 1).flatMap((p) => visit[p]));
  const fetched = (visit: Visit, phase: Phase) => PHASES.slice(0, PHASES.indexOf(phase) + 1).reduce((n, p) => n + visit[p].length, 0);
  const visitOf = (page: string) => visits.get(`${built.form}, ${page}`)!;
  const names = (files: Iterable<string>) => [...files].map((f) => chunks.get(f)!.label).join(' | ');

  const base = until(visitOf('signed-policy'), 'by first upload');
  for (const page of PAGES) {
    const visit = visitOf(page.name);
    const benchmark = `first-load: ${built.form}, ${page.name}`;
    for (const phase of PHASES) {
      if (page.name !== 'signed-policy' && phase === 'after hover and focus') continue;
      const files = until(visit, phase);
      const gz = sum(files, chunks, 'gz');
      const budget = page.name === 'signed-policy' && phase === 'page load' ? `budget 16 kB: ${gz <= BUDGET ? 'within' : 'OVER'}; ` : '';
      const more = phase === 'after hover and focus' ? gz - sum(until(visit, 'page load'), chunks, 'gz') : undefined;
      const over = more === undefined ? '' : more === 0 ? '0 B more than page load; ' : `${kB(more).toFixed(1)} kB gz more than page load; `;
      rows.push({
        benchmark, metric: phase, value: kB(gz), unit: 'kB gz',
        note: `${budget}${over}${files.size} JS file${files.size === 1 ? '' : 's'}${fetched(visit, phase) > files.size ? ` (${fetched(visit, phase)} responses)` : ''}, ${kB(sum(files, chunks, 'raw')).toFixed(1)} kB raw`,
      });
    }
    if (page.name !== 'signed-policy') {
      const extra = [...until(visit, 'by first upload')].filter((f) => !base.has(f));
      rows.push({
        benchmark, metric: 'beyond signed-policy', value: kB(sum(extra, chunks, 'gz')), unit: 'kB gz',
        note: extra.length ? names(extra) : 'no chunk the signed-policy page did not load',
      });
    }
  }

  // When each chunk first loaded: the signed-policy page's phases, then the other pages'.
  const firstSeen = new Map<string, string>();
  for (const page of PAGES) {
    const visit = visitOf(page.name);
    for (const phase of PHASES) {
      for (const f of visit[phase]) if (!firstSeen.has(f)) firstSeen.set(f, page.name === 'signed-policy' ? phase : `${page.name} page, ${phase}`);
    }
  }
  const order = (c: Chunk) => {
    const seen = firstSeen.get(c.file);
    const i = seen === undefined ? 99 : [...firstSeen.values()].indexOf(seen);
    return i * 1e9 - c.gz;
  };
  for (const c of [...chunks.values()].sort((a, b) => order(a) - order(b))) {
    rows.push({
      benchmark: `first-load: ${built.form} chunk`, metric: c.label, value: kB(c.gz), unit: 'kB gz',
      note: `${c.role}; ${firstSeen.get(c.file) ?? 'not loaded by these pages'}; ${kB(c.raw).toFixed(1)} kB raw; ${c.file}`,
    });
  }
  rows.push({
    benchmark: `first-load: ${built.form} chunk`, metric: 'all chunks', value: kB(sum(chunks.keys(), chunks, 'gz')), unit: 'kB gz',
    note: `${chunks.size} file${chunks.size === 1 ? '' : 's'}, ${kB(sum(chunks.keys(), chunks, 'raw')).toFixed(1)} kB raw`,
  });
  return rows;
}

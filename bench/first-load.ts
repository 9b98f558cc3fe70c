// What a page downloads before its first upload (issue #11, item 4: at most 16 kB of gzipped JS for a
// page with <oss-upload strategy="signed-policy">), in headless Chromium, in two delivery forms:
//   - app: a Vite production build of an index.html + main.ts that does `import 'oss-upload'`, the
//     way a user's app is built (Vite's defaults, minified), with 'oss-upload' aliased to this
//     checkout's src/oss-upload.ts (no `npm run build`, dist/ untouched);
//   - cdn: the bundle vite.config.mjs builds (the CDN file and whatever chunks it emits), built
//     into a temp folder.
// Each is served by a server in this process that counts every JS response it sends (raw bytes and
// gzip -9 of each body; no-store, and each page on a port, so an origin, of its own: nothing comes
// from a cache or an earlier page's module map). Pages: signed-policy,
// sts, proxy and a lang="zh-CN" signed-policy page; phases: page load (network idle, no
// interaction), after intent (the mouse over the element, then Tab into it), and by the first
// upload (a small file chosen through the element's <input type=file>, to the emulator through the
// sign, sts or proxy handler, the stored object's size checked). Every chunk of both builds is
// reported with its gzipped size, named by the modules rolldown put in it, and when it first loaded.
// kB here is 1000 bytes.
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
import puppeteer, { type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';
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
  role: 'entry' | 'lazy' | 'shared';
  raw: number;
  gz: number;
}

interface Built {
  form: 'app' | 'cdn';
  dir: string;
  chunks: Map<string, Chunk>;
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

/** A chunk's label: its modules grouped by name, largest first, the first `most` of them named. */
function chunkLabel(modules: Record<string, { renderedLength: number }>, root: string, most = 3): string {
  const sizes = new Map<string, number>();
  for (const [id, m] of Object.entries(modules)) {
    if (m.renderedLength === 0) continue;
    const name = moduleName(id, root);
    sizes.set(name, (sizes.get(name) ?? 0) + m.renderedLength);
  }
  const names = [...sizes].sort((a, b) => b[1] - a[1]).map(([n]) => n);
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
      chunks.set(f.fileName, {
        file: f.fileName,
        label: chunkLabel(f.modules, root),
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
  return { form: 'app', dir, chunks: chunksOf(output, root), page: (element) => html.replace('</body>', `${element}\n</body>`) };
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
    form: 'cdn', dir, chunks,
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

const PHASES = ['page load', 'after intent', 'by first upload'] as const;
type Phase = typeof PHASES[number];

/** The JS files served in each phase of one page (in the order served; a file may repeat). */
type Visit = Record<Phase, string[]>;

const sum = (files: Iterable<string>, chunks: Map<string, Chunk>, key: 'gz' | 'raw') =>
  [...files].reduce((t, f) => t + (chunks.get(f)?.[key] ?? 0), 0);

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
    const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
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
      const tab = await (await browser!.createBrowserContext()).newPage();
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const id = `${job.built.form}, ${job.page.name}`;
        visits.set(id, await visit(tab, job.built, job.page, id, routes, work, emu.url, bucket, options));
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    for (const built of builds) rows.push(...report(built, visits));
  } finally {
    await browser?.close();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

/**
 * One page, served by a server of its own (so that visits can run side by side and share no
 * origin) that notes every JS file it sends: the files of each phase, once the upload is checked.
 */
async function visit(
  tab: Page, built: Built, page: PageSpec, id: string,
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>, work: string, emulatorUrl: string, bucket: string, options: BenchOptions,
): Promise<Visit> {
  let served: string[] = [];
  const unknown: string[] = [];
  const site: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const route = routes[path];
    if (route) return route(req, res);
    // Chromium asks for one on every page; a 404 would be logged as a console error.
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (path === '/' || path === '/index.html') {
      return void res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' }).end(built.page(page.element));
    }
    const file = join(built.dir, path);
    if (relative(built.dir, file).startsWith('..')) return void res.writeHead(403).end();
    readFile(file).then((body) => {
      const js = extname(path) === '.js' || extname(path) === '.mjs';
      if (js) (built.chunks.has(path.slice(1)) ? served : unknown).push(path.slice(1));
      res.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body);
    }, () => void res.writeHead(404).end());
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
  const take = () => {
    const files = served;
    served = [];
    return files;
  };
  const filePath = join(work, `first-load-${built.form}-${page.name}.txt`);
  const content = `first load: ${id}\n`.repeat(64);
  await writeFile(filePath, content);
  const started = performance.now();
  const errors: string[] = [];
  const onError = (e: unknown) => void errors.push(`pageerror: ${String(e)}`);
  const onConsole = (m: ConsoleMessage) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`));
  const fail = (what: string, err?: unknown) => new Error(`${id}: ${what}${err ? `: ${err instanceof Error ? err.message : String(err)}` : ''}${errors.length ? `\n${errors.join('\n')}` : ''}`);
  try {
    tab.on('pageerror', onError);
    tab.on('console', onConsole);
    const idle = () => tab.waitForNetworkIdle({ idleTime: 500, timeout: WAIT_MS });

    await tab.goto(siteUrl, { waitUntil: 'networkidle0', timeout: WAIT_MS }).catch((e: unknown) => { throw fail('the page did not load', e); });
    await tab.evaluate(`Promise.race([
      customElements.whenDefined('oss-upload').then(() => document.querySelector('oss-upload').updateComplete),
      new Promise((_, reject) => setTimeout(() => reject(new Error('<oss-upload> was not defined and rendered within ${WAIT_MS} ms')), ${WAIT_MS})),
    ])`).catch((e: unknown) => { throw fail('the element', e); });
    await idle();
    const load = take();

    await tab.hover('oss-upload');
    await tab.keyboard.press('Tab');
    await idle();
    const intent = take();

    const input = await tab.waitForSelector('oss-upload >>> input[type=file]', { timeout: WAIT_MS })
      .catch((e: unknown) => { throw fail('no <input type=file> in the element', e); });
    const outcome = tab.evaluate(`new Promise((resolve, reject) => {
      const el = document.querySelector('oss-upload');
      el.addEventListener('oss-upload-success', (e) => resolve(e.detail.key), { once: true });
      el.addEventListener('oss-upload-error', (e) => reject(new Error('oss-upload-error ' + e.detail.code + ': ' + e.detail.message)), { once: true });
      setTimeout(() => reject(new Error('no success or error event within ${WAIT_MS} ms')), ${WAIT_MS});
    })`) as Promise<string>;
    await input!.uploadFile(filePath);
    const key = await outcome.catch((e: unknown) => { throw fail('the upload failed', e); });
    await idle();
    const upload = take();

    const stored = await (await fetch(`${emulatorUrl}/_emulator/objects?bucket=${bucket}&prefix=${PREFIX}`)).json() as Array<{ key: string; size: number }>;
    const object = stored.find((o) => o.key === key);
    if (!object) throw fail(`the success event named ${key}, which the emulator does not hold (it holds ${stored.map((o) => o.key).join(', ')})`);
    if (object.size !== Buffer.byteLength(content)) throw fail(`${key} has ${object.size} bytes stored, the file ${Buffer.byteLength(content)}`);
    if (errors.length) throw fail('the page reported errors');
    if (unknown.length) throw fail(`JS files served that the build did not report as chunks: ${unknown.join(', ')}`);
    const gz = (files: string[]) => kB(sum(new Set(files), built.chunks, 'gz')).toFixed(1);
    options.log(`${id}: load ${gz(load)} kB gz, +intent ${gz(intent)}, +upload ${gz(upload)} (${Math.round(performance.now() - started)} ms)`);
    return { 'page load': load, 'after intent': intent, 'by first upload': upload };
  } finally {
    tab.off('pageerror', onError);
    tab.off('console', onConsole);
    // Leave the page, so that it holds no connection to this server and sends nothing more to it.
    await tab.goto('about:blank').catch(() => undefined);
    // The mouse stays where it was: put it in the body's margin, off where the next element will be.
    await tab.mouse.move(0, 0).catch(() => undefined);
    site.closeAllConnections();
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
      if (page.name !== 'signed-policy' && phase === 'after intent') continue;
      const files = until(visit, phase);
      const gz = sum(files, chunks, 'gz');
      const budget = page.name === 'signed-policy' && phase === 'page load' ? `budget 16 kB: ${gz <= BUDGET ? 'within' : 'OVER'}; ` : '';
      rows.push({
        benchmark, metric: phase, value: kB(gz), unit: 'kB gz',
        note: `${budget}${files.size} JS file${files.size === 1 ? '' : 's'}${fetched(visit, phase) > files.size ? ` (${fetched(visit, phase)} responses)` : ''}, ${kB(sum(files, chunks, 'raw')).toFixed(1)} kB raw`,
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

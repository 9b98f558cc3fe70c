// The published package as a user gets it: `npm pack` of a copy of the repo (its prepack build
// included), unpacked into a scratch app. Checks what the tarball holds, what a browser-only
// install pulls in, what bundlers make of it (no ali-oss unless imported), the framework types
// (tsc on test/node/package/react-types.tsx) and the React entry at run time in Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, createLogger } from 'vite';
import type { Browser } from 'puppeteer-core';
import { createSignHandler, toNodeListener } from '../../src/server/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { launchChromium } from './support/chromium.js';
import { emulator } from './support/emulator.js';
import { packRepo, type Packed } from './support/pack.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** Packages of the server and the emulator: a browser-only install must not bring them. */
const NODE_ONLY = ['ali-oss', 'busboy', 'fast-xml-parser'];

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  exports: Record<string, string | Record<string, string>>;
}

describe('package', () => {
  let work: string;
  let app: string;
  let packed: Packed;
  let installed: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'oss-package-'));
    packed = await packRepo(work);
    process.stdout.write(`# npm pack: ${packed.size} B packed, ${packed.unpackedSize} B unpacked, ${packed.entryCount} files\n`);

    // The scratch app: the package unpacked where an install puts it, beside the repo's own
    // packages except the server's and emulator's, which a browser-only install does not have.
    app = join(work, 'app');
    installed = join(app, 'node_modules', 'oss-upload');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', packed.file, '-C', installed, '--strip-components=1']);
    for (const name of await readdir(join(root, 'node_modules'))) {
      if (name.startsWith('.') || NODE_ONLY.includes(name)) continue;
      await symlink(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the tarball: within 350 kB, a LICENSE, no source maps, no TypeScript sources, no copy of a dependency', () => {
    const paths = packed.files.map((f) => f.path);
    assert.ok(packed.size <= 350_000, `npm pack is ${packed.size} B`);
    assert.ok(paths.includes('LICENSE'), 'LICENSE');
    assert.deepEqual(paths.filter((p) => p.endsWith('.map')), [], 'source maps');
    assert.deepEqual(paths.filter((p) => p.startsWith('src/') || (p.endsWith('.ts') && !p.endsWith('.d.ts'))), [], 'TypeScript sources');
    assert.deepEqual(paths.filter((p) => /aliyun-oss-sdk|node_modules\//.test(p)), [], 'vendored dependencies');
  });

  test('every export and every custom-elements.json module resolves to a file in the tarball', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as PackageJson;
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
    const manifest = await readFile(join(installed, 'custom-elements.json'), 'utf8');
    const modules = [...manifest.matchAll(/"(?:path|module)": "([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(modules.includes('dist/oss-upload.js'), 'the element module');
    for (const file of [...targets, ...modules]) {
      assert.ok((await stat(join(installed, file)).catch(() => undefined))?.isFile(), `${file} is not in the package`);
    }
  });

  test('the CDN build: dist/oss-upload.bundle.js and every chunk it imports, by relative URL, are in the tarball', async () => {
    const paths = new Set(packed.files.map((f) => f.path));
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      assert.ok(paths.has(file), `${file} is not in the package`);
      const code = await readFile(join(installed, file), 'utf8');
      // Static `from"./x.js"` and dynamic import(`./x.js`) of the minified files.
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'`](\.{1,2}\/[^"'`]+)["'`]/g)) {
        await visit(posix.join(posix.dirname(file), m[1]!));
      }
    };
    await visit('dist/oss-upload.bundle.js');
    const chunks = [...seen].filter((f) => f.startsWith('dist/bundle/'));
    assert.ok(chunks.length >= 4, `the core and the strategies are chunks: ${chunks.join(', ')}`);
  });

  test('a browser-only install is Lit and its dependencies: at most 10 packages', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as PackageJson;
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['lit']);
    for (const name of [...NODE_ONLY, '@lit/react', 'react']) {
      assert.ok(pkg.peerDependencies?.[name] && pkg.peerDependenciesMeta?.[name]?.optional, `${name} is an optional peer dependency`);
    }
    // What npm installs: dependencies and required peers, all the way down (versions as this repo has them).
    const seen = new Set<string>();
    const visit = async (name: string): Promise<void> => {
      if (seen.has(name)) return;
      seen.add(name);
      const dep = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as PackageJson;
      const required = Object.keys(dep.peerDependencies ?? {}).filter((p) => !dep.peerDependenciesMeta?.[p]?.optional);
      for (const next of [...Object.keys(dep.dependencies ?? {}), ...required]) await visit(next);
    };
    for (const name of Object.keys(pkg.dependencies ?? {})) await visit(name);
    process.stdout.write(`# browser-only install: oss-upload + ${[...seen].sort().join(', ')}\n`);
    assert.ok(seen.size + 1 <= 10, `${seen.size + 1} packages`);
  });

  test('oss-upload/server loads without the optional peers; the emulator names the package it misses', async () => {
    const script = `const s = await import('oss-upload/server'); if (typeof s.createSignHandler !== 'function') process.exit(3);`;
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    const failed = await run(process.execPath, ['--input-type=module', '-e', `await import('oss-upload/emulator')`], { cwd: app })
      .then(() => undefined, (e: { stderr: string }) => e.stderr);
    assert.match(failed ?? 'it loaded', /Cannot find package '(busboy|fast-xml-parser)'/);
  });

  /** A Vite production build of a page whose script is `code`; the files it emitted and the warnings it printed. */
  async function bundle(name: string, code: string): Promise<{ dir: string; files: Map<string, number>; warnings: string[] }> {
    const dir = join(app, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><div id="root"></div><script type="module" src="./main.js"></script>');
    await writeFile(join(dir, 'main.js'), code);
    const warnings: string[] = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => void warnings.push(msg);
    logger.warnOnce = (msg) => void warnings.push(msg);
    await build({ root: dir, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: 'out', emptyOutDir: true } });
    const files = new Map<string, number>();
    for (const f of await readdir(join(dir, 'out', 'assets'))) files.set(f, (await stat(join(dir, 'out', 'assets', f))).size);
    return { dir: join(dir, 'out'), files, warnings };
  }

  test('a Vite app that imports oss-upload bundles no ali-oss and gets no chunk-size warning; oss-upload/ali-oss brings the engine', async () => {
    const plain = await bundle('plain', `import 'oss-upload';\n`);
    const js = [...plain.files].filter(([f]) => extname(f) === '.js');
    process.stdout.write(`# Vite app, import 'oss-upload': ${js.map(([f, size]) => `${f} ${size} B`).join(', ')}\n`);
    // The page loads one script; any other chunk is loaded on first use (the word tables of other languages).
    const html = await readFile(join(plain.dir, 'index.html'), 'utf8');
    assert.equal([...html.matchAll(/<script type="module"[^>]*src="[^"]*\/assets\/([^"]+)"/g)].length, 1, html);
    assert.ok(!/modulepreload/.test(html), `nothing preloaded: ${html}`);
    for (const [f] of js) assert.ok(!/aliyun-oss-sdk|sts-alioss/.test(await readFile(join(plain.dir, 'assets', f), 'utf8')), `no reference to ali-oss code in ${f}`);
    assert.deepEqual(plain.warnings.filter((w) => /chunk|ali-oss/i.test(w)), []);

    const withEngine = await bundle('with-ali-oss', `import 'oss-upload';\nimport 'oss-upload/ali-oss';\n`);
    const sdk = [...withEngine.files].filter(([f]) => f.startsWith('aliyun-oss-sdk'));
    assert.equal(sdk.length, 1, `ali-oss's SDK is a chunk of its own, loaded on first use: ${[...withEngine.files.keys()].join(', ')}`);
  });

  test('the framework types: oss-upload/react and the bare tag (oss-upload/react-jsx) type-check in React 19 TSX, wrong props do not', async () => {
    const dir = join(app, 'types');
    await mkdir(dir, { recursive: true });
    await cp(join(root, 'test', 'node', 'package', 'react-types.tsx'), join(dir, 'react-types.tsx'));
    // As Vite's React template sets it up (tsconfig.app.json), with checks on libraries' types too.
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx',
        strict: true, noEmit: true, skipLibCheck: true, isolatedModules: true, verbatimModuleSyntax: true, types: [],
      },
      include: ['react-types.tsx'],
    }));
    const result = await run(bin('tsc'), ['-p', dir], { cwd: dir }).then(() => '', (e: { stdout: string }) => e.stdout);
    assert.equal(result, '', result);
  });

  describe('oss-upload/react and the bare tag in Chromium (React 19)', () => {
    let emu: RunningEmulator;
    let server: Server;
    let browser: Browser;
    let url: string;
    const signRequests: IncomingMessage[] = [];

    before(async () => {
      const code = `import { createElement, useRef, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { OssUpload } from 'oss-upload/react';
import 'oss-upload/react-jsx';
const log = (window.events = []);
function App() {
  const ref = useRef(null);
  useEffect(() => { window.wrapperRef = ref.current; }, []);
  return createElement('div', null,
    createElement(OssUpload, { id: 'wrapped', ref, strategy: 'signed-policy', endpoint: '/sign', requestHeaders: { 'x-from': 'wrapper' },
      i18n: { chooseFile: 'Pick (wrapper)' }, onOssUploadSuccess: (e) => log.push(['wrapper', e.type, e.detail.key]) }),
    createElement('oss-upload', { id: 'bare', strategy: 'signed-policy', endpoint: '/sign', 'key-template': 'bare/{name}', requestHeaders: { 'x-from': 'bare' },
      'onoss-upload-success': (e) => log.push(['bare', e.type, e.detail.key]) }));
}
createRoot(document.getElementById('root')).render(createElement(App));
`;
      const built = await bundle('react', code);
      emu = await emulator();
      const sign = toNodeListener(createSignHandler({
        accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket: emu.buckets[0]!, region: emu.region,
        host: `${emu.url}/${emu.buckets[0]}`, prefix: 'react/',
      }));
      server = createServer(async (req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        if (path === '/sign') {
          signRequests.push(req);
          return sign(req, res);
        }
        try {
          const body = await readFile(join(built.dir, path === '/' ? 'index.html' : path.slice(1)));
          res.writeHead(200, { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      url = `http://localhost:${(server.address() as AddressInfo).port}/`;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      server?.close();
      await emu?.close();
    });

    test('props reach properties (requestHeaders, i18n), on… props get the events, the ref is the element', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url, { waitUntil: 'networkidle0' });
      await page.waitForFunction('window.wrapperRef !== undefined && customElements.get("oss-upload") !== undefined', { timeout: 10_000 });
      assert.equal(await page.evaluate('window.wrapperRef === document.getElementById("wrapped") && window.wrapperRef instanceof customElements.get("oss-upload")'), true,
        'the ref is the <oss-upload> element');
      assert.equal(await page.$eval('#wrapped >>> [part~=button]', (b) => b.textContent?.trim()), 'Pick (wrapper)', 'i18n set as a property');

      const file = join(work, 'from react.txt');
      await writeFile(file, 'uploaded from a React app');
      for (const id of ['wrapped', 'bare']) {
        const input = await page.waitForSelector(`#${id} >>> input[type=file]`);
        await input!.uploadFile(file);
      }
      await page.waitForFunction('window.events.length === 2', { timeout: 20_000 });
      const events = (await page.evaluate('window.events')) as Array<[string, string, string]>;
      const byWho = new Map(events.map(([who, type, key]) => [who, { type, key }]));
      assert.equal(byWho.get('wrapper')?.type, 'oss-upload-success', 'onOssUploadSuccess');
      assert.match(byWho.get('wrapper')!.key, /^react\/.*from react\.txt$/);
      assert.equal(byWho.get('bare')?.type, 'oss-upload-success', 'onoss-upload-success on the bare tag');
      assert.equal(byWho.get('bare')!.key, 'react/bare/from react.txt', 'key-template set as an attribute');
      assert.deepEqual(signRequests.map((r) => r.headers['x-from']).sort(), ['bare', 'wrapper'], 'requestHeaders set as a property');
      assert.deepEqual(errors, []);
    });
  });
});

// The build's outputs: the minified CDN bundle (an entry and its lazy chunks) works in a plain page (TOOLCHAIN.md: Vite
// 8's output needs its own test), and the committed custom-elements.json matches the source.
// test/node/package.test.ts checks the package as a whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import type { Browser } from 'puppeteer-core';
import { createSignHandler, toNodeListener } from '../../src/server/index.js';
import { launchChromium } from './support/chromium.js';
import { emulator } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const run = promisify(execFile);

describe('build', () => {
  let dir: string;
  let emu: RunningEmulator;
  let server: Server;
  let browser: Browser;
  let url: string;
  /** The JS files the server sent, in order (paths), and whether it refuses the element's core (a CDN failing). */
  const sent: string[] = [];
  let refuseCore = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oss-build-'));
    await build({ configFile: 'vite.config.mjs', logLevel: 'silent', build: { outDir: dir, emptyOutDir: true } });
    emu = await emulator();
    const sign = toNodeListener(createSignHandler({
      accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket: emu.buckets[0]!, region: emu.region,
      host: `${emu.url}/${emu.buckets[0]}`, prefix: 'bundle/',
    }));
    const page = '<!doctype html><meta charset="utf-8"><title>bundle</title>'
      + '<script type="module" src="/oss-upload.bundle.js"></script>'
      + '<oss-upload strategy="signed-policy" endpoint="/sign"></oss-upload>';
    server = createServer(async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/sign') return sign(req, res);
      if (path === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
      if (refuseCore && /^\/bundle\/core-/.test(path)) return void res.writeHead(503).end();
      try {
        const body = await readFile(join(dir, path.slice(1)));
        if (path.endsWith('.js')) sent.push(path);
        res.writeHead(200, { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' }).end(body);
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
    await rm(dir, { recursive: true, force: true });
  });

  /** Gzipped bytes of built files (paths as the server saw them). */
  const gzipped = async (paths: readonly string[]) => {
    let total = 0;
    for (const p of paths) total += gzipSync(await readFile(join(dir, p.slice(1))), { level: 9 }).length;
    return total;
  };
  /** The chunk of `name` (`core`, `sts`, …) among the paths. */
  const chunk = (paths: readonly string[], name: string) => paths.filter((p) => p.startsWith(`/bundle/${name}-`));

  test('dist/oss-upload.bundle.js in a plain HTML page: its chunks beside it, minified, Lit\'s production build, and it uploads', async () => {
    // The entry, and under bundle/ what it loads on first use (the ali-oss engine is oss-upload/ali-oss), no map.
    assert.deepEqual((await readdir(dir)).sort(), ['bundle', 'oss-upload.bundle.js']);
    const chunks = await readdir(join(dir, 'bundle'));
    for (const name of ['core', 'signed-policy', 'sts', 'proxy']) assert.equal(chunk(chunks.map((c) => `/bundle/${c}`), name).length, 1, `a ${name} chunk: ${chunks.join(', ')}`);
    for (const file of ['oss-upload.bundle.js', ...chunks.map((c) => join('bundle', c))]) {
      const code = (await readFile(join(dir, file))).toString();
      assert.ok(!/from\s*["']lit|\bimport\s*\(\s*["'`](?!\.{1,2}\/)/.test(code), `${file} imports only its own chunks, by relative URL`);
      // Unminified the whole has some 3,000 lines; minified, the newlines left are inside Lit's css and html templates.
      assert.ok(code.split('\n').length < 500, `${file} is minified`);
      process.stdout.write(`# ${file}: ${code.length} B, ${gzipSync(code, { level: 9 }).length} B gzipped\n`);
    }
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(`pageerror: ${String(e)}`));
    await page.goto(url, { waitUntil: 'networkidle0' });
    await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 10_000 });
    const file = join(dir, 'from bundle.txt');
    await writeFile(file, 'uploaded through the built bundle');
    const input = await page.waitForSelector('oss-upload >>> input[type=file]');
    const success = page.evaluate(`new Promise((resolve) => document.querySelector('oss-upload')
      .addEventListener('oss-upload-success', (e) => resolve(e.detail), { once: true }))`) as Promise<{ key: string }>;
    // Chosen without any pointer or focus before: the file waits for the core, which loads now.
    await input!.uploadFile(file);
    const detail = await success;
    assert.match(detail.key, /^bundle\/.*from bundle\.txt$/);
    const stored = await (await fetch(`${emu.url}/_emulator/objects?bucket=${emu.buckets[0]}`)).json() as Array<{ key: string; size: number }>;
    assert.equal(stored.find((o) => o.key === detail.key)?.size, 'uploaded through the built bundle'.length);
    assert.ok(!logs.some((l) => /dev mode/i.test(l)), 'the bundle uses Lit\'s production build');
    assert.ok(!logs.some((l) => l.startsWith('pageerror')), logs.join('\n'));
    await page.close();
  });

  test('page load downloads the entry alone (at most 16 kB gzipped); a hover or focus nothing more; the core comes with the click that opens the picker, each strategy with its first upload', async () => {
    const page = await browser.newPage();
    sent.length = 0;
    await page.goto(url, { waitUntil: 'networkidle0' });
    await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 10_000 });
    const atLoad = [...sent];
    const loadBytes = await gzipped(atLoad);
    process.stdout.write(`# page load: ${atLoad.join(', ')}: ${loadBytes} B gzipped\n`);
    assert.deepEqual(atLoad, ['/oss-upload.bundle.js']);
    assert.ok(loadBytes <= 16_000, `page load is ${loadBytes} B gzipped`);

    await page.hover('oss-upload'); // the pointer over the element, then Tab into it: most visitors who do this upload nothing
    await page.keyboard.press('Tab');
    await page.waitForNetworkIdle({ idleTime: 300 });
    assert.deepEqual(sent.slice(atLoad.length), [], 'nothing more after a hover and a focus');

    // The click that opens the picker loads the core and the page's strategy, while the user picks.
    const [chooser] = await Promise.all([page.waitForFileChooser({ timeout: 10_000 }), page.click('oss-upload >>> [part~="button"]')]);
    await page.waitForFunction('document.querySelector("oss-upload").updateComplete.then(() => true)');
    await page.waitForNetworkIdle({ idleTime: 200 });
    await chooser.cancel();
    const onIntent = sent.slice(atLoad.length);
    assert.equal(chunk(onIntent, 'core').length, 1, `the core with the click: ${onIntent.join(', ')}`);
    assert.equal(chunk(onIntent, 'signed-policy').length, 1, `the page's strategy with the click: ${onIntent.join(', ')}`);
    for (const name of ['sts', 'proxy']) assert.deepEqual(chunk(onIntent, name), [], `no ${name} on a signed-policy page`);
    process.stdout.write(`# with the click that opens the picker: +${onIntent.join(', ')}: ${await gzipped(onIntent)} B gzipped\n`);

    // Node's types have no DOM: the page's code as a string.
    const upload = (strategy: string) => page.evaluate(`(async () => {
      const el = document.querySelector('oss-upload');
      el.strategy = '${strategy}';
      const outcome = new Promise((resolve) => {
        el.addEventListener('oss-upload-success', () => resolve('success'), { once: true });
        el.addEventListener('oss-upload-error', (e) => resolve(e.detail.code), { once: true });
      });
      await el.addFiles([new File(['x'], '${strategy}.txt')]);
      return outcome;
    })()`) as Promise<string>;
    const before = sent.length;
    assert.equal(await upload('signed-policy'), 'success');
    const first = sent.slice(before);
    assert.deepEqual(chunk(first, 'signed-policy'), [], `signed-policy came with the click, not again: ${first.join(', ')}`);
    for (const name of ['sts', 'proxy']) assert.deepEqual(chunk(first, name), [], `no ${name} for a signed-policy upload`);
    process.stdout.write(`# first signed-policy upload: +${first.join(', ')}: ${await gzipped(first)} B gzipped\n`);
    // The other strategies' code loads when they first upload (the sign endpoint does not suit them: the outcome is theirs to say).
    for (const name of ['sts', 'proxy']) {
      const at = sent.length;
      assert.notEqual(await upload(name), 'unknown-strategy');
      assert.equal(chunk(sent.slice(at), name).length, 1, `${name} with its first upload: ${sent.slice(at).join(', ')}`);
      process.stdout.write(`# first ${name} upload: +${sent.slice(at).join(', ')}: ${await gzipped(sent.slice(at))} B gzipped\n`);
    }
    await page.close();
  });

  test('when the core cannot be loaded, addFiles() rejects with code network and a chosen file ends in oss-upload-error', async () => {
    const context = await browser.createBrowserContext(); // nothing cached from the other tests
    const page = await context.newPage();
    refuseCore = true;
    try {
      await page.goto(url, { waitUntil: 'networkidle0' });
      await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 10_000 });
      const rejected = await page.evaluate(`document.querySelector('oss-upload').addFiles([new File(['x'], 'lost.txt')])
        .then(() => 'resolved', (e) => e.code + ': ' + e.message)`) as string;
      assert.match(rejected, /^network: <oss-upload>: the element's code could not be loaded/);
      const file = join(dir, 'chosen offline.txt');
      await writeFile(file, 'x');
      const failed = page.evaluate(`new Promise((resolve) => document.querySelector('oss-upload')
        .addEventListener('oss-upload-error', (e) => resolve(e.detail), { once: true }))`) as Promise<{ code: string; file: { name: string } }>;
      await (await page.waitForSelector('oss-upload >>> input[type=file]'))!.uploadFile(file);
      const detail = await failed;
      assert.equal(detail.code, 'network');
      assert.equal(detail.file.name, 'chosen offline.txt');
    } finally {
      refuseCore = false;
      await context.close();
    }
  });

  test('custom-elements.json is up to date with the source (npm run build:manifest)', async () => {
    // The analyzer writes under the working folder whatever path it is given.
    const out = join('node_modules', '.cache', `cem-check-${process.pid}`);
    try {
      await run(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--config', 'custom-elements-manifest.config.mjs'],
        { env: { ...process.env, CEM_OUTDIR: out } });
      const fresh = JSON.parse(await readFile(join(out, 'custom-elements.json'), 'utf8'));
      const committed = JSON.parse(await readFile('custom-elements.json', 'utf8'));
      assert.deepEqual(committed, fresh, 'custom-elements.json is stale: run `npm run build:manifest` and commit it');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

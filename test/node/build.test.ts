// The build's outputs: the self-contained, minified bundle works in a plain page (TOOLCHAIN.md: Vite
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
      try {
        const body = await readFile(join(dir, path.slice(1)));
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

  test('dist/oss-upload.bundle.js, alone in a plain HTML page, defines the element and uploads', async () => {
    // One minified file for CDNs: no chunk beside it (the ali-oss engine is oss-upload/ali-oss), no map.
    assert.deepEqual(await readdir(dir), ['oss-upload.bundle.js']);
    const bundle = await readFile(join(dir, 'oss-upload.bundle.js'));
    assert.ok(!/from\s*["']lit|\bimport\s*\(/.test(bundle.toString()), 'the bundle must import nothing from outside');
    // Unminified it has some 3,000 lines; minified, the newlines left are inside Lit's css and html templates.
    assert.ok(bundle.toString().split('\n').length < 500, 'the bundle is minified');
    process.stdout.write(`# bundle: ${bundle.length} B, ${gzipSync(bundle, { level: 9 }).length} B gzipped\n`);
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
    await input!.uploadFile(file);
    const detail = await success;
    assert.match(detail.key, /^bundle\/.*from bundle\.txt$/);
    const stored = await (await fetch(`${emu.url}/_emulator/objects?bucket=${emu.buckets[0]}`)).json() as Array<{ key: string; size: number }>;
    assert.equal(stored.find((o) => o.key === detail.key)?.size, 'uploaded through the built bundle'.length);
    assert.ok(!logs.some((l) => /dev mode/i.test(l)), 'the bundle uses Lit\'s production build');
    assert.ok(!logs.some((l) => l.startsWith('pageerror')), logs.join('\n'));
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

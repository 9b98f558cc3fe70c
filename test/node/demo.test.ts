// The demo is a test too: `npm start`'s stack, opened in Chromium, takes a file through the widget
// into the bucket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { startDemo, type RunningDemo } from '../../demo/app.js';
import { launchChromium } from './support/chromium.js';

describe('the demo (npm start)', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oss-demo-'));
    demo = await startDemo({ port: 0, emulatorPort: 0, dataDir: join(dir, 'data'), env: {} });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a file chosen in the widget lands in the bucket and is listed with a working link', async () => {
    assert.equal(demo.mode, 'emulator');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    // Vite may reload the page once after optimizing dependencies on first visit.
    // (Page code as strings: the Node tests' types have no DOM.)
    await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 30_000 });
    const file = join(dir, 'hello demo.txt');
    await writeFile(file, 'hello from the demo test\n'.repeat(100));
    const input = await page.waitForSelector('#signed-policy >>> input[type=file]');
    await input!.uploadFile(file);
    await page.waitForFunction("document.querySelectorAll('#log .success').length > 0", { timeout: 30_000 });
    await page.waitForFunction("[...document.querySelectorAll('#objects a')].some((a) => a.textContent.endsWith('/hello demo.txt'))", { timeout: 10_000 });

    const stored = await (await fetch(`${demo.emulator!.url}/_emulator/objects?bucket=${demo.bucket}`)).json() as Array<{ key: string; size: number }>;
    const object = stored.find((o) => o.key.endsWith('/hello demo.txt'));
    assert.ok(object, JSON.stringify(stored));
    assert.match(object.key, /^demo\/user-1\/images\//);
    assert.equal(object.size, 'hello from the demo test\n'.length * 100);

    const href = await page.$eval('#objects a', (a) => (a as unknown as { href: string }).href);
    const res = await fetch(href);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from the demo test\n'.repeat(100));
    assert.deepEqual(errors, []);
  });

  test('the sts widget uploads in parts with credentials from /api/sts', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 30_000 });
    const file = join(dir, 'report.bin');
    await writeFile(file, Buffer.alloc(3 * 1024 * 1024, 5));
    const input = await page.waitForSelector('#sts >>> input[type=file]');
    const success = page.evaluate(`new Promise((resolve, reject) => {
      const el = document.querySelector('#sts');
      el.addEventListener('oss-upload-success', (e) => resolve(e.detail), { once: true });
      el.addEventListener('oss-upload-error', (e) => reject(new Error(JSON.stringify(e.detail))), { once: true });
    })`) as Promise<{ key: string; strategy: string }>;
    await input!.uploadFile(file);
    const detail = await success;
    assert.match(detail.key, /^demo\/user-1\/documents\/.*report\.bin$/);
    const stored = await (await fetch(`${demo.emulator!.url}/_emulator/objects?bucket=${demo.bucket}`)).json() as Array<{ key: string; size: number }>;
    assert.equal(stored.find((o) => o.key === detail.key)?.size, 3 * 1024 * 1024);
  });

  test('the proxy widget sends the file through /api/proxy, which streams it to the bucket', async () => {
    const page = await browser.newPage();
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    await page.waitForFunction("customElements.get('oss-upload') !== undefined", { timeout: 30_000 });
    const file = join(dir, 'through the proxy.bin');
    const bytes = Buffer.alloc(10 * 1024 * 1024 + 3, 7); // over the handler's 8 MiB part: multipart
    await writeFile(file, bytes);
    const input = await page.waitForSelector('#proxy >>> input[type=file]');
    const success = page.evaluate(`new Promise((resolve, reject) => {
      const el = document.querySelector('#proxy');
      el.addEventListener('oss-upload-success', (e) => resolve(e.detail), { once: true });
      el.addEventListener('oss-upload-error', (e) => reject(new Error(JSON.stringify(e.detail))), { once: true });
    })`) as Promise<{ key: string; strategy: string; etag: string }>;
    await input!.uploadFile(file);
    const detail = await success;
    assert.equal(detail.strategy, 'proxy');
    assert.match(detail.key, /^demo\/user-1\/documents\/[0-9a-z]{26}\/through the proxy\.bin$/);
    assert.match(detail.etag, /-2"$/);
    const stored = await (await fetch(`${demo.emulator!.url}/_emulator/objects?bucket=${demo.bucket}`)).json() as Array<{ key: string; size: number }>;
    assert.equal(stored.find((o) => o.key === detail.key)?.size, bytes.length);
  });
});

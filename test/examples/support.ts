// The examples as a user gets them: each examples/<name> installed with `npm ci` from its own lock
// file and the packed package (.pack/oss-upload.tgz, what `npm pack` makes of this repo),
// type-checked and built by its own toolchain, then opened in Chromium against the OSS emulator and
// a small app server (the sign handler at /api/sign, a form route at /api/posts that records what
// it gets, the built files). Each example's test file only says how its toolchain is called.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'puppeteer-core';
import { createSignHandler, toNodeListener } from '../../src/server/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { launchChromium } from '../node/support/chromium.js';
import { emulator } from '../node/support/emulator.js';
import { serve, type Served } from '../node/support/http.js';
import { packRepo } from '../node/support/pack.js';

const root = resolve(import.meta.dirname, '../..');
/** Where every example's package.json points (`file:../../.pack/oss-upload.tgz`). */
export const TARBALL = join(root, '.pack', 'oss-upload.tgz');
/** Set by scripts/examples-test.mjs once it has packed the repo for all the examples. */
const PACKED_ENV = 'OSS_UPLOAD_EXAMPLES_PACKED';
/** Where each test leaves its figures for scripts/examples-test.mjs's closing table. */
export const FIGURES_DIR = join(root, '.pack', 'figures');

/** A string only the widget's code holds (its default valueMissing message): tells the two builds apart. */
const WIDGET_MARK = 'Please upload a file.';

const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CI: 'true', // no prompts, no progress spinners
  NG_CLI_ANALYTICS: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

export interface ExpectedTypeError {
  /** 1-based line in the fixture. */
  line: number;
  message: RegExp;
}

export interface Example {
  /** examples/<name>, whose package.json has the scripts `typecheck` and `build`. */
  name: 'html' | 'react' | 'vue' | 'angular';
  /** The build's output folder, relative to the example. */
  out: string;
  /** Source files (relative to the example) whose `import 'oss-upload…';` lines are dropped for the build without the widget. */
  widgetImports: string[];
  /** A file with type errors (in test/examples/fixtures/) that the type-check must refuse, copied into the example as `into`. */
  negative?: { fixture: string; into: string; errors: ExpectedTypeError[] };
}

interface Result {
  code: number | null;
  output: string;
}

/** Runs a program of the example's toolchain; stdout and stderr together, never throws. */
function exec(command: string, args: string[], cwd: string): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', (error) => done({ code: -1, output: `${output}\n${error.message}` }));
    child.on('close', (code) => done({ code, output }));
  });
}

/** What a failed step printed, last lines first in mind: enough to see why without the whole log. */
function tail(result: Result, lines = 40): string {
  return `exit ${result.code}:\n${result.output.split('\n').slice(-lines).join('\n')}`;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The packed package at TARBALL: made by the runner for all examples, or here when one test file runs alone. */
async function ensureTarball(): Promise<void> {
  if (process.env[PACKED_ENV] && (await stat(TARBALL).catch(() => undefined))) return;
  await packTarball();
}

/** Packs the repo to TARBALL (a fixed name, so the examples' package.json files can point at it). */
export async function packTarball(): Promise<{ size: number; unpackedSize: number }> {
  const packed = await packRepo(join(root, '.pack'));
  await rename(packed.file, TARBALL);
  return packed;
}

interface Size {
  raw: number;
  gzip: number;
}

interface BundleSize {
  /** What index.html loads: its scripts, stylesheets and modulepreloads. */
  initial: Size;
  /** Every JS and CSS file of the build, also the chunks loaded on first use (the widget's other languages, …). */
  all: Size;
  text: string;
}

/** JS and CSS of a build: bytes as written and gzipped (zlib's default level, as Vite reports it). */
async function bundleSize(dir: string): Promise<BundleSize> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const loaded = new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"|<link[^>]*\shref="([^"]+\.(?:js|css))"/g)]
    .map((m) => resolve(dir, (m[1] ?? m[2])!.replace(/^\//, ''))));
  const size = { initial: { raw: 0, gzip: 0 }, all: { raw: 0, gzip: 0 }, text: '' };
  for (const file of await readdir(dir, { recursive: true })) {
    if (!['.js', '.css'].includes(extname(file))) continue;
    const body = await readFile(join(dir, file));
    const gzip = gzipSync(body).length;
    size.all.raw += body.length;
    size.all.gzip += gzip;
    if (loaded.has(resolve(dir, file))) {
      size.initial.raw += body.length;
      size.initial.gzip += gzip;
    }
    size.text += body.toString('utf8');
  }
  assert.ok(size.initial.raw > 0, `index.html of ${dir} loads a script`);
  return size;
}

/** The example in a scratch folder (its node_modules linked), for builds that must not touch the working tree. */
async function scratchCopy(dir: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'oss-example-'));
  await cp(dir, copy, {
    recursive: true,
    filter: (from) => !relative(dir, from).split(sep).some((part) => ['node_modules', 'dist', '.angular'].includes(part)),
  });
  await symlink(join(dir, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

/** The errors a type-check reported in `file`, by line: each error's text with its indented explanation lines. */
function errorsIn(output: string, file: string): Map<number, string> {
  const found = new Map<number, string>();
  // tsc and vue-tsc: `src/x.tsx(3,38): error TS2322: …`; ngc: `src/x.ts:7:56 - error TS2345: …` (in colour).
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const head = /^(.+?)(?:\((\d+),\d+\): | ?:(\d+):\d+ - )error (TS\d+: .*)$/;
  let current: number | undefined;
  for (const text of lines) {
    const m = head.exec(text);
    if (m) {
      current = m[1]!.trim() === file ? Number(m[2] ?? m[3]) : undefined;
      if (current !== undefined) found.set(current, `${found.has(current) ? `${found.get(current)!}\n` : ''}${m[4]!}`);
    } else if (current !== undefined && /^\s+\S/.test(text)) {
      found.set(current, `${found.get(current)!}\n${text.trim()}`);
    } else {
      current = undefined;
    }
  }
  return found;
}

interface PostedForm {
  fields: URLSearchParams;
  contentType: string | undefined;
}

/** The app server: /api/sign (signed PostObject policies for the emulator), /api/posts (records forms), the build's files. */
async function appServer(dir: string, emu: RunningEmulator): Promise<Served & { posts: PostedForm[] }> {
  const bucket = emu.buckets[0]!;
  const sign = toNodeListener(createSignHandler({
    accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, bucket, region: emu.region,
    host: `${emu.url}/${bucket}`, prefix: 'examples/',
  }));
  const posts: PostedForm[] = [];
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const served = await serve((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/api/sign') return sign(req, res);
    if (path === '/favicon.ico') return void res.writeHead(204).end(); // the examples have no icon
    if (path === '/api/posts' && req.method === 'POST') {
      void readBody(req).then((body) => {
        posts.push({ fields: new URLSearchParams(body), contentType: req.headers['content-type'] });
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Saved</title><p id="saved">Saved.</p>');
      });
      return;
    }
    const file = resolve(dir, `.${path === '/' ? '/index.html' : path}`);
    if (!file.startsWith(dir + sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return { ...served, posts };
}

/** Declares the tests of one example: install, type-check (and the negative type test), build, then the app in Chromium. */
export function exampleTests(example: Example): void {
  const dir = join(root, 'examples', example.name);
  const script = (name: 'typecheck' | 'build', cwd = dir) => exec('npm', ['run', '--silent', name], cwd);
  const figures: Record<string, number | string> = { example: example.name };

  describe(`examples/${example.name}`, { timeout: 10 * 60_000 }, () => {
    before(async () => {
      const started = Date.now();
      await ensureTarball();
      figures.packSeconds = (Date.now() - started) / 1000;
    });
    after(async () => {
      await mkdir(FIGURES_DIR, { recursive: true });
      await writeFile(join(FIGURES_DIR, `${example.name}.json`), JSON.stringify(figures));
    });

    test('npm ci installs it from its lock file, with the package just packed', async () => {
      const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { resolved?: string; integrity?: string }>;
      };
      const entry = lock.packages['node_modules/oss-upload'];
      assert.equal(entry?.resolved, 'file:../../.pack/oss-upload.tgz', 'the lock installs the packed tarball');
      // With an integrity, npm ci takes the tarball that npm's cache holds under it, an old build, without a word.
      assert.equal(entry.integrity, undefined, 'the lock must not pin the tarball\'s integrity (it changes with every build): delete that line');

      const started = Date.now();
      const installed = await exec('npm', ['ci'], dir);
      figures.installSeconds = (Date.now() - started) / 1000;
      assert.equal(installed.code, 0, tail(installed));
      const fromTarball = await exec('tar', ['-xzOf', TARBALL, 'package/dist/oss-upload.js'], dir);
      assert.equal(sha256(await readFile(join(dir, 'node_modules', 'oss-upload', 'dist', 'oss-upload.js'))), sha256(Buffer.from(fromTarball.output)),
        'node_modules/oss-upload is the tarball just packed');
    });

    test('type-checks (npm run typecheck)', async () => {
      const started = Date.now();
      const checked = await script('typecheck');
      figures.typecheckSeconds = (Date.now() - started) / 1000;
      assert.equal(checked.code, 0, tail(checked));
    });

    if (example.negative) {
      const { fixture, into, errors } = example.negative;
      test(`the type-check refuses ${fixture} (errors on lines ${errors.map((e) => e.line).join(', ')}, nowhere else)`, async () => {
        const target = join(dir, into);
        await copyFile(join(import.meta.dirname, 'fixtures', fixture), target);
        let checked: Result;
        try {
          checked = await script('typecheck');
        } finally {
          await rm(target, { force: true });
        }
        assert.notEqual(checked.code, 0, `the type-check passed with ${into} in place:\n${checked.output}`);
        const found = errorsIn(checked.output, into);
        assert.deepEqual([...found.keys()].sort((a, b) => a - b), errors.map((e) => e.line),
          `errors on exactly the marked lines of ${into}:\n${checked.output}`);
        for (const { line, message } of errors) assert.match(found.get(line)!, message, `line ${line}`);
      });
    }

    test('builds (npm run build), with and without the widget', async () => {
      const started = Date.now();
      const built = await script('build');
      figures.buildSeconds = (Date.now() - started) / 1000;
      assert.equal(built.code, 0, tail(built));
      const withWidget = await bundleSize(join(dir, example.out));
      assert.ok(withWidget.text.includes(WIDGET_MARK), 'the build holds the widget');

      // The same app with the package's imports dropped (the tag stays, an unknown element).
      const copy = await scratchCopy(dir);
      try {
        for (const source of example.widgetImports) {
          const path = join(copy, source);
          const code = await readFile(path, 'utf8');
          const stripped = code.replace(/^import '(oss-upload(?:\/[\w-]+)?)';\n/gm, '');
          assert.notEqual(stripped, code, `${source} imports the widget`);
          await writeFile(path, stripped);
        }
        const bare = await script('build', copy);
        assert.equal(bare.code, 0, tail(bare));
        const without = await bundleSize(join(copy, example.out));
        assert.ok(!without.text.includes(WIDGET_MARK), 'the build without the widget holds none of it');
        Object.assign(figures, {
          initialRaw: withWidget.initial.raw, initialGzip: withWidget.initial.gzip, allRaw: withWidget.all.raw, allGzip: withWidget.all.gzip,
          withoutInitialRaw: without.initial.raw, withoutInitialGzip: without.initial.gzip, withoutAllGzip: without.all.gzip,
        });
        process.stdout.write(`# examples/${example.name}: the page loads ${withWidget.initial.raw} B of JS+CSS (gzip ${withWidget.initial.gzip} B), `
          + `without the widget ${without.initial.raw} B (gzip ${without.initial.gzip} B); every JS+CSS file ${withWidget.all.gzip} B gzipped, without ${without.all.gzip} B\n`);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    });

    describe('the built app in Chromium', () => {
      let emu: RunningEmulator;
      let app: Awaited<ReturnType<typeof appServer>>;
      let browser: Browser;
      let work: string;

      before(async () => {
        emu = await emulator();
        app = await appServer(join(dir, example.out), emu);
        browser = await launchChromium();
        work = await mkdtemp(join(tmpdir(), 'oss-example-files-'));
      });
      after(async () => {
        await browser?.close();
        await app?.close();
        await emu?.close();
        if (work) await rm(work, { recursive: true, force: true });
      });

      test('a file goes through the widget to OSS, the app\'s own handler gets the success event, the form submits its key', async () => {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
        page.on('console', (m) => void (['error', 'warn'].includes(m.type()) && problems.push(`console.${m.type()}: ${m.text()} (${m.location().url ?? ''})`)));
        // localhost, not 127.0.0.1: the emulator on 127.0.0.1 is then another origin, as OSS is.
        await page.goto(app.url.replace('127.0.0.1', 'localhost'), { waitUntil: 'networkidle0' });
        await page.waitForFunction('customElements.get("oss-upload") !== undefined && document.querySelector("oss-upload") !== null', { timeout: 10_000 });

        // `required` reached the element: with no file stored, the form is invalid.
        assert.equal(await page.$eval('form', (f) => f.checkValidity()), false, 'required: the form cannot be submitted before an upload');

        const file = join(work, `${example.name} photo.txt`);
        await writeFile(file, `uploaded from the ${example.name} example`);
        const input = await page.waitForSelector('oss-upload >>> input[type=file]');
        await input!.uploadFile(file);
        await page.waitForFunction('document.querySelector("output")?.textContent?.trim()', { timeout: 20_000 });
        const key = (await page.$eval('output', (o) => o.textContent!.trim()));
        assert.match(key, new RegExp(`^examples/[0-9a-z]{26}/${example.name} photo\\.txt$`), 'the key the app\'s handler wrote');

        const objects = (await (await fetch(`${emu.url}/_emulator/objects`)).json()) as Array<{ key: string; size: number }>;
        assert.deepEqual(objects.map((o) => o.key), [key], 'the emulator holds the file under that key');

        await Promise.all([page.waitForNavigation(), page.click('form button')]);
        assert.equal(await page.$eval('#saved', (p) => p.textContent), 'Saved.');
        assert.equal(app.posts.length, 1, 'one form post');
        const [{ fields, contentType }] = app.posts as [PostedForm];
        assert.equal(contentType, 'application/x-www-form-urlencoded');
        assert.deepEqual(fields.getAll('attachments'), [key], 'the form sent the stored key under the widget\'s name');
        assert.equal(fields.get('title'), 'Holiday');
        assert.deepEqual(problems, []);
      });
    });
  });
}

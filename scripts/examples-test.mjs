// `npm run test:examples [-- react vue …]`: the example apps (examples/*) driven by their tests in
// test/examples/, and README's quick start checked against them (readme.test.ts). Packs the repo once
// into .pack/oss-upload.tgz (the examples depend on that file), runs the tests two files at a time with
// node:test, prints what they measured (install, type-check and build times; the JS+CSS of each built
// app with and without the widget), then one plain closing line:
//   N passed, N failed
// `--concurrency N` changes how many examples run at once. `--update-locks` instead rewrites each
// example's package-lock.json from its package.json (npm install --package-lock-only) and removes the
// tarball's integrity from it: pinned, npm ci would install the build that npm's cache holds under it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const all = readdirSync(join(root, 'test', 'examples')).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length)).sort();
const args = process.argv.slice(2);
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? Number(args.splice(concurrencyAt, 2)[1]) : 2;
const updateLocks = args.includes('--update-locks');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length || !(concurrency >= 1)) {
  console.error(`usage: examples-test.mjs [--concurrency N] [--update-locks] [${all.join(' ')}]${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(2);
}
const chosen = names.length ? names : all;

function run(command, commandArgs, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], ...options });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: -1, output: `${output}\n${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

if (updateLocks) {
  let failed = 0;
  for (const name of chosen) {
    const dir = join(root, 'examples', name);
    const { code } = await run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
    if (code !== 0) {
      failed += 1;
      continue;
    }
    const path = join(dir, 'package-lock.json');
    const lock = JSON.parse(readFileSync(path, 'utf8'));
    delete lock.packages['node_modules/oss-upload']?.integrity;
    writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
    process.stdout.write(`examples/${name}/package-lock.json updated\n`);
  }
  process.exit(failed ? 1 : 0);
}

const started = Date.now();
register();
const { packTarball, FIGURES_DIR, TARBALL } = await import('../test/examples/support.ts');
rmSync(FIGURES_DIR, { recursive: true, force: true });
process.stdout.write('=== npm pack (the examples install this tarball)\n');
let packed;
try {
  packed = await packTarball();
} catch (error) {
  // The build's own errors (tsc's) are on stdout, npm's summary on stderr.
  console.error(`npm pack failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}
const packSeconds = (Date.now() - started) / 1000;
process.stdout.write(`${TARBALL}: ${packed.size} B (${packed.unpackedSize} B unpacked) in ${packSeconds.toFixed(1)} s\n`);

process.stdout.write(`\n=== examples: ${chosen.join(', ')} (${concurrency} at a time)\n`);
const counts = { passed: 0, failed: 0 };
const result = await run(process.execPath, [
  '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`,
  ...chosen.map((name) => join('test', 'examples', `${name}.test.ts`)),
], { env: { ...process.env, OSS_UPLOAD_EXAMPLES_PACKED: '1' } });
// eslint-disable-next-line no-control-regex
for (const line of result.output.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').split('\n')) {
  const m = /^(?:#|ℹ) (pass|fail) (\d+)\s*$/.exec(line);
  if (m) counts[m[1] === 'pass' ? 'passed' : 'failed'] = Number(m[2]);
}
// A run that failed without a counted failing test (a crash, a runner error) must not close on "0 failed".
if (result.code !== 0 && counts.failed === 0) counts.failed = 1;

const rows = [];
// (readme.test.ts checks README's snippets against the examples: no app, no figures.)
for (const name of chosen.filter((n) => existsSync(join(root, 'examples', n)))) {
  let f;
  try {
    f = JSON.parse(readFileSync(join(FIGURES_DIR, `${name}.json`), 'utf8'));
  } catch {
    rows.push(`| ${name} | (no figures: the test did not get that far) | | | | | | |`);
    continue;
  }
  const kb = (n) => (typeof n === 'number' ? (n / 1000).toFixed(1) : '?');
  const s = (n) => (typeof n === 'number' ? n.toFixed(1) : '?');
  const diff = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : undefined);
  rows.push(`| ${name} | ${s(f.installSeconds)} | ${s(f.typecheckSeconds)} | ${s(f.buildSeconds)} | ${kb(f.initialGzip)} (${kb(f.initialRaw)}) `
    + `| ${kb(f.withoutInitialGzip)} (${kb(f.withoutInitialRaw)}) | ${kb(diff(f.initialGzip, f.withoutInitialGzip))} | ${kb(f.allGzip)} / ${kb(f.withoutAllGzip)} |`);
}
const seconds = (Date.now() - started) / 1000;
process.stdout.write(`\n=== examples: figures (kB = 1000 B; gzip at zlib's default level; "page loads": the scripts, styles and modulepreloads of index.html; "all": also the chunks loaded on first use)
| example | npm ci s | type-check s | build s | page loads, gzip kB (raw) | without the widget | the widget adds | all JS+CSS files, gzip kB, with / without |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
total ${seconds.toFixed(0)} s (npm pack ${packSeconds.toFixed(0)} s)
${counts.passed} passed, ${counts.failed} failed
`);
process.exitCode = counts.failed > 0 ? 1 : 0;

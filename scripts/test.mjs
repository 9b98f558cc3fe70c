// `npm test`: typecheck, Node tests, browser tests, then one plain closing line for CI:
//   N passed, N failed
// (the sum of the Node and browser test counts). Every step runs even when an earlier one
// failed, so one run shows everything. A step that fails without a counted test failure (a type
// error, a crash, a runner that printed no counts) adds 1 to "failed", so a red run never
// closes on "0 failed". Exits 1 if anything failed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\r/g;

/** Runs a command; stdout is printed through and, with `onLine`, read line by line. */
function run(label, command, args, onLine) {
  return new Promise((resolve) => {
    const started = Date.now();
    process.stdout.write(`\n=== ${label}: ${[command.replace(root, ''), ...args].join(' ')}\n`);
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['inherit', onLine ? 'pipe' : 'inherit', 'inherit'],
    });
    let rest = '';
    if (onLine) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) onLine(line.replace(ansi, ''));
      });
    }
    child.on('error', (error) => {
      console.error(`${label}: ${error.message}`);
      resolve({ ok: false, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code, signal) => {
      if (onLine && rest) onLine(rest.replace(ansi, ''));
      const seconds = (Date.now() - started) / 1000;
      resolve({ ok: code === 0, code: code ?? signal, seconds });
    });
  });
}

const results = [];
let passed = 0;
let failed = 0;

function account(label, result, counts) {
  let extra = '';
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  }
  if (!result.ok && !(counts && counts.failed > 0)) {
    failed += 1;
    extra = counts ? ' (exit code without a failing test: counted as 1 failure)' : ' (counted as 1 failure)';
  }
  const what = counts ? `${counts.passed} passed, ${counts.failed} failed` : result.ok ? 'ok' : 'FAILED';
  results.push(`${label}: ${what}${result.ok ? '' : `, exit ${result.code}`}${extra} [${result.seconds.toFixed(1)} s]`);
}

// 1. Typecheck (both projects).
{
  const a = await run('typecheck (tsconfig.json)', bin('tsc'), ['-p', 'tsconfig.json']);
  const b = await run('typecheck (tsconfig.node.json)', bin('tsc'), ['-p', 'tsconfig.node.json']);
  account('typecheck', { ok: a.ok && b.ok, code: a.ok ? b.code : a.code, seconds: a.seconds + b.seconds });
}

// 2. Node tests. TAP output, whose closing lines are `# pass N` / `# fail N`.
{
  let counts;
  const result = await run(
    'node tests',
    process.execPath,
    ['scripts/node-tests.mjs', '--test-reporter=tap'],
    (line) => {
      const m = /^(?:#|ℹ) (pass|fail) (\d+)\s*$/.exec(line);
      if (m) {
        counts ??= { passed: 0, failed: 0 };
        counts[m[1] === 'pass' ? 'passed' : 'failed'] = Number(m[2]);
      }
    },
  );
  account('node', result, counts);
}

// 3. Browser tests. The reporter in scripts/wtr-summary-reporter.mjs prints
//    `browser: N passed, N failed, N skipped` last.
{
  let counts;
  const result = await run(
    'browser tests',
    bin('web-test-runner'),
    ['--config', 'web-test-runner.config.mjs'],
    (line) => {
      const m = /^browser: (\d+) passed, (\d+) failed, (\d+) skipped\s*$/.exec(line.trim());
      if (m) counts = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
    },
  );
  account('browser', result, counts);
}

process.stdout.write(`\n=== summary\n${results.join('\n')}\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;

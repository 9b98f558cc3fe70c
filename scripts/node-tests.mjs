// Runs every test/node/**/*.test.ts with Node's built-in test runner through the tsx loader.
// Node 20's --test does not expand globs itself, so the files are listed here.
// Extra arguments go to `node` before the file list (e.g. --test-reporter=tap, --test-only).
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'test', 'node');

const files = readdirSync(dir, { recursive: true, withFileTypes: false })
  .map(String)
  .filter((f) => f.endsWith('.test.ts') && !f.split(sep).includes('node_modules'))
  .map((f) => relative(root, join(dir, f)))
  .sort();

if (files.length === 0) {
  console.error('node-tests: no test/node/**/*.test.ts files found');
  process.exit(1);
}

// Files run in parallel child processes (node's default concurrency: cores - 1, at least 1).
const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

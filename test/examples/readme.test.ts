// README's quick start shows the examples' own code: each code block under a line
// `<!-- example: <path> -->` must be a run of lines of that file as it stands (indentation aside),
// so the snippets cannot drift from the apps the other tests here install, build and drive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** The lines without the indentation they share (blank lines do not count). */
function dedent(lines: string[]): string[] {
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(Math.min(indent, l.length)).trimEnd());
}

/** Whether `snippet` is a run of consecutive lines of `file`, each side dedented. */
function holds(file: string, snippet: string): boolean {
  const want = dedent(snippet.split('\n')).join('\n');
  const lines = file.split('\n');
  const n = snippet.split('\n').length;
  for (let i = 0; i + n <= lines.length; i++) {
    if (dedent(lines.slice(i, i + n)).join('\n') === want) return true;
  }
  return false;
}

test('README: every quick-start snippet is the named example file\'s code, and every example has one', async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/^<!-- example: (\S+) -->\n+```\w*\n([\s\S]*?)\n```$/gm)].map((m) => ({ path: m[1]!, code: m[2]! }));
  const examples = (await readdir(join(root, 'examples'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.deepEqual([...new Set(snippets.map((s) => s.path.split('/')[1]))].sort(), examples, 'examples with a snippet in README');
  for (const { path, code } of snippets) {
    const file = await readFile(join(root, path), 'utf8').catch(() => undefined);
    assert.ok(file !== undefined, `README names ${path}, which does not exist`);
    assert.ok(holds(file, code), `README's snippet of ${path} is not in that file as it stands:\n${code}`);
  }
});

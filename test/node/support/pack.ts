// The package as users get it: `npm pack` of a copy of the repo (its prepack build included), so
// that the build writes its dist/ and custom-elements.json in the copy, not in the working tree.
// Shared by the package test (test/node/package.test.ts) and the examples' tests (test/examples/).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

/** What the repo's build and `npm pack` need; nothing else goes into the copy. */
const PACKED_SOURCES = ['package.json', 'README.md', 'LICENSE', 'custom-elements.json', 'custom-elements-manifest.config.mjs',
  'vite.config.mjs', 'tsconfig.json', 'tsconfig.node.json', 'tsconfig.build.json', 'tsconfig.build.browser.json', 'scripts', 'src', 'bin'];

export interface Packed {
  /** The tarball's absolute path. */
  file: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

/** Packs the repo into `destination` (created if missing) and returns npm's report with the tarball's path. */
export async function packRepo(destination: string): Promise<Packed> {
  await mkdir(destination, { recursive: true });
  const stage = await mkdtemp(join(tmpdir(), 'oss-pack-'));
  try {
    for (const entry of PACKED_SOURCES) {
      // (A missing one, such as LICENSE, is the package test's to report.)
      if (await stat(join(root, entry)).catch(() => undefined)) await cp(join(root, entry), join(stage, entry), { recursive: true });
    }
    await symlink(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', resolve(destination)], { cwd: stage, maxBuffer: 64 * 2 ** 20 });
    // The prepack build prints first; the JSON report is the last thing on stdout.
    const report = (JSON.parse(stdout.slice(stdout.lastIndexOf('[\n  {'))) as Array<Omit<Packed, 'file'> & { filename: string }>)[0]!;
    return { ...report, file: join(resolve(destination), report.filename) };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

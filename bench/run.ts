// `npm run bench`: runs the benchmark modules and prints one aligned plain-text table.
// Benchmarks are not tests: they exit 0 unless something broke (a failed upload, a CRC mismatch).
//
//   npm run bench                                    every benchmark
//   npm run bench -- --only emulator                 just one (repeat --only or comma-separate for more)
//   npm run bench -- --only emulator --size 256MiB   a smaller object, for a quick run
//
// A benchmark module is a `Benchmark` (below) that returns rows; add new ones to BENCHMARKS.
import { parseArgs } from 'node:util';
import { emulatorMemory } from './emulator-memory.js';
import { stsBrowser } from './sts-browser.js';
import { signedPolicyBrowser } from './signed-policy-browser.js';
import { proxyMemory } from './proxy-memory.js';
import { faultsRun } from './faults.js';
import { slowLink } from './slow-link.js';
import { firstLoad } from './first-load.js';

export interface Row {
  /** What is measured (a scenario), e.g. `emulator: PutObject stream`. */
  benchmark: string;
  metric: string;
  /** Numbers are rounded for display; strings are printed as they are. */
  value: number | string;
  unit: string;
  note?: string;
}

export interface BenchOptions {
  /** `--size`: the object size in bytes, overriding the benchmark's default. */
  size?: number;
  /** Progress lines (to stderr, so stdout carries only the table). */
  log(message: string): void;
}

export interface Benchmark {
  /** The name `--only` selects. */
  name: string;
  description: string;
  run(options: BenchOptions): Promise<Row[]>;
}

export const BENCHMARKS: Benchmark[] = [emulatorMemory, signedPolicyBrowser, stsBrowser, slowLink, proxyMemory, faultsRun, firstLoad];

const USAGE = `Usage: npm run bench -- [--only NAME]... [--size SIZE]

Options:
  --only NAME   run only this benchmark (repeat, or comma-separate, for several)
  --size SIZE   object size, e.g. 1GiB, 256MiB, 500MB, 1073741824 (bytes); default per benchmark
  -h, --help    this text

Benchmarks:
${BENCHMARKS.map((b) => `  ${b.name.padEnd(12)}  ${b.description}`).join('\n')}
`;

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30,
};

/** `256MiB` → 268435456; MB/GB are powers of ten, MiB/GiB powers of two; no unit means bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && factor !== undefined ? Math.round(Number(m[1]) * factor) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`--size: cannot read "${text}" as a size (e.g. 1GiB, 256MiB, 500MB, 1048576)`);
  return bytes;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(Math.abs(value) < 10 ? 2 : 1);
}

/** One aligned plain-text table; numbers right-aligned in the value column. */
export function formatTable(rows: Row[]): string {
  const header = ['benchmark', 'metric', 'value', 'unit', 'note'];
  const cells = rows.map((r) => [r.benchmark, r.metric, formatValue(r.value), r.unit, r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((text, i) => (i === 2 ? text.padStart(widths[i]!) : i === c.length - 1 ? text : text.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      size: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const only = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; there are: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  const size = values.size === undefined ? undefined : parseSize(values.size);

  const rows: Row[] = [];
  let failed = 0;
  for (const bench of selected) {
    const log = (message: string) => process.stderr.write(`[${bench.name}] ${message}\n`);
    log(`start: ${bench.description}`);
    const t0 = performance.now();
    try {
      rows.push(...(await bench.run({ size, log })));
      log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      failed++;
      log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rows.push({ benchmark: bench.name, metric: 'FAILED', value: '-', unit: '', note: err instanceof Error ? err.message : String(err) });
    }
  }
  process.stdout.write(`\nNode ${process.version}, ${process.platform}/${process.arch}\n\n${formatTable(rows)}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
  },
);

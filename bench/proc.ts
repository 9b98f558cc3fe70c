// What the memory benchmarks share: reading a child process's memory and CPU from /proc, and
// stopping it.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

export const SAMPLE_MS = 50;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** VmRSS / VmHWM in KiB, or undefined where /proc is missing (not Linux) or the process is gone. */
export function procStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
    return rss && hwm ? { rss: Number(rss[1]), hwm: Number(hwm[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) in ms from /proc/<pid>/stat; USER_HZ is 100 on Linux. */
export function procCpuMs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    return (Number(fields[11]) + Number(fields[12])) * 10; // fields 14 utime, 15 stime
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false if the kernel refused. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every 50 ms until stop(); the largest sample and the sample count. */
export function sampleRss(pid: number): { stop(): { maxKiB: number; samples: number } } {
  let maxKiB = 0;
  let samples = 0;
  const take = () => {
    const s = procStatus(pid);
    if (!s) return;
    samples++;
    maxKiB = Math.max(maxKiB, s.rss);
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { maxKiB, samples };
    },
  };
}

/** SIGTERM (the CLI closes the server), SIGKILL after 5 s. */
export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export function sizeLabel(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1e6 === 0) return `${bytes / 1e6} MB`;
  return `${bytes} B`;
}

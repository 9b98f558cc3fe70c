// Each uploading file's speed, from the progress the element sees: bytes over the last few seconds
// (a window, so a stall shows at once and an old burst does not linger), known only after a second
// of data, since the first reports measure the socket buffers rather than the link.
const WINDOW_MS = 5000;
const FIRST_MS = 1000;

interface Sample {
  time: number;
  loaded: number;
}

export class RateMeter {
  readonly #samples = new Map<string, Sample[]>();

  /** A file's bytes sent so far, at `time` (ms). */
  note(id: string, loaded: number, time = performance.now()): void {
    const samples = this.#samples.get(id) ?? [];
    this.#samples.set(id, samples);
    samples.push({ time, loaded });
    while (samples.length > 2 && time - samples[1]!.time >= WINDOW_MS) samples.shift();
  }

  /** Bytes per second over the window, or undefined while under a second of data. */
  rate(id: string, now = performance.now()): number | undefined {
    const samples = this.#samples.get(id);
    const first = samples?.[0];
    const last = samples?.[samples.length - 1];
    if (!first || !last || now - first.time < FIRST_MS || last.time === first.time) return undefined;
    // Up to now, not to the last report: no news for a while means a slower link.
    return ((last.loaded - first.loaded) * 1000) / (Math.max(now, last.time) - first.time);
  }

  /** Starts a file afresh (it finished, paused, failed or left the list). */
  forget(id: string): void {
    this.#samples.delete(id);
  }
}

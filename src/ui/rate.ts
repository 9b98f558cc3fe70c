// The whole batch's speed, for the summary: an exponentially weighted rate over the batch's bytes
// (not the sum of the files' rates, which jumps as files start and end), with a clock that stops
// while every file is paused, so that a pause neither drags the speed down nor counts time down.
// Loaded with the summary (./summary.ts), when a batch first has two files; each row's own speed
// is ./file-rate.ts, which the list needs from the first file.
/** The weight of older data halves every this many ms of upload. */
const HALF_LIFE_MS = 3000;
/**
 * The first second after the first bytes fills the connections' send buffers (megabytes each, at
 * memory speed): it runs the clock but is left out of the rate. Shown after two seconds.
 */
const WARMUP_MS = 1000;
const BATCH_FIRST_MS = 2000;
/** Hidden after this long without a byte going out: a speed that is not happening is no estimate. */
const STALL_MS = 3000;

/** The batch's speed (bytes per second) and the seconds its remaining bytes take at that speed. */
export interface BatchEstimate {
  rate: number;
  seconds: number;
}

interface BatchSample {
  time: number;
  loaded: number;
  /** Whether the clock stood still from this sample to the next (every unfinished file paused). */
  held: boolean;
}

export class BatchMeter {
  #last?: BatchSample;
  /** Whether bytes went out yet: the clock starts with the first of them. */
  #started = false;
  /** Upload time (ms, pauses left out) since the first bytes, and since the last bytes. */
  #elapsed = 0;
  #quiet = 0;
  /** The weighted mean of the rate and the sum of its weights (which divides out the start at 0). */
  #mean = 0;
  #weight = 0;

  /** The batch's bytes sent so far, at `time` (ms); `held` while every unfinished file is paused. */
  note(loaded: number, held: boolean, time = performance.now()): void {
    const last = this.#last;
    this.#last = { time, loaded, held };
    if (!last) return;
    // A retried or removed file takes its bytes away: the lower count is the new base.
    const bytes = Math.max(0, loaded - last.loaded);
    // Time since the last sample counts only if the upload was running then (a resume ends a held interval).
    const dt = last.held ? 0 : Math.max(0, time - last.time);
    if (!this.#started) {
      this.#started = bytes > 0; // the clock starts with the first bytes (before them: credentials, connections)
      return;
    }
    if (dt === 0) {
      // Bytes in the same millisecond count with the next interval; bytes "during" a pause do not exist.
      if (bytes > 0 && !last.held) this.#last = { ...this.#last, loaded: last.loaded };
      return;
    }
    this.#add(bytes, dt);
  }

  #add(bytes: number, dt: number): void {
    this.#quiet = bytes > 0 ? 0 : this.#quiet + dt;
    this.#elapsed += dt;
    if (this.#elapsed <= WARMUP_MS) return;
    const a = 1 - 2 ** (-dt / HALF_LIFE_MS);
    this.#mean += a * ((bytes * 1000) / dt - this.#mean);
    this.#weight += a * (1 - this.#weight);
  }

  /**
   * The speed and time left for `remaining` bytes, or undefined: under two seconds of data, held,
   * or no bytes for three seconds. Up to `now`: no news since the last sample counts as no bytes.
   */
  estimate(remaining: number, now = performance.now()): BatchEstimate | undefined {
    const last = this.#last;
    if (!last || !this.#started || last.held || this.#weight === 0) return undefined;
    const gap = Math.max(0, now - last.time);
    if (this.#elapsed + gap < BATCH_FIRST_MS || this.#quiet + gap >= STALL_MS) return undefined;
    const a = 1 - 2 ** (-gap / HALF_LIFE_MS);
    const rate = ((1 - a) * this.#mean) / ((1 - a) * this.#weight + a);
    if (!(rate > 0)) return undefined;
    return { rate, seconds: Math.max(0, remaining) / rate };
  }

  /** Ms from `now` until the estimate hides for want of bytes (undefined while it is hidden anyway). */
  staleIn(now = performance.now()): number | undefined {
    const last = this.#last;
    if (!last || !this.#started || last.held) return undefined;
    const left = STALL_MS - this.#quiet - Math.max(0, now - last.time);
    return left > 0 ? left : undefined;
  }

  /** Starts afresh (a new batch). */
  reset(): void {
    this.#last = undefined;
    this.#started = false;
    this.#elapsed = 0;
    this.#quiet = 0;
    this.#mean = 0;
    this.#weight = 0;
  }
}

// Fault injection for reliability tests: seeded failure rates per operation, latency, and a
// bandwidth cap on reading request bodies. Settable at start and at run time (PUT /_emulator/faults).
import { Transform } from 'node:stream';

export interface FailureRule {
  /** An operation name (`UploadPart`, `PutObject`, `PostObject`, …) or `*` for every operation. */
  op: string;
  /** Probability in [0, 1] that a matching request fails. */
  rate: number;
  /** `error` answers 500 InternalError after reading the body; `drop` closes the connection at once. */
  kind?: 'error' | 'drop';
  /** Stop injecting after this many failures. */
  count?: number;
}

export interface FaultConfig {
  /** Seed of the pseudo-random sequence that decides which requests fail (same seed, same sequence). */
  seed?: number;
  failures?: FailureRule[];
  /** Milliseconds added before each request is handled (a long path: a request that arrived whole is carried out, its client gone or not). */
  latencyMs?: number;
  /** Bytes per second at which request bodies are read (0 or absent: unlimited). */
  bandwidth?: number;
}

/** mulberry32: a small seeded PRNG, enough to make injected failures reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function validateFaults(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('faults must be a JSON object');
  const c = input as Record<string, unknown>;
  const num = (v: unknown, name: string, min = 0, max = Infinity) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new TypeError(`${name} must be a number in [${min}, ${max}]`);
    return v;
  };
  const failures = c['failures'];
  if (failures !== undefined && !Array.isArray(failures)) throw new TypeError('failures must be an array');
  return {
    seed: num(c['seed'], 'seed'),
    latencyMs: num(c['latencyMs'], 'latencyMs', 0, 60_000),
    bandwidth: num(c['bandwidth'], 'bandwidth'),
    failures: (failures as unknown[] | undefined)?.map((f, i) => {
      if (typeof f !== 'object' || f === null) throw new TypeError(`failures[${i}] must be an object`);
      const r = f as Record<string, unknown>;
      if (typeof r['op'] !== 'string') throw new TypeError(`failures[${i}].op must be a string`);
      if (r['kind'] !== undefined && r['kind'] !== 'error' && r['kind'] !== 'drop') throw new TypeError(`failures[${i}].kind must be "error" or "drop"`);
      return {
        op: r['op'], rate: num(r['rate'], `failures[${i}].rate`, 0, 1) ?? 0,
        kind: r['kind'] as FailureRule['kind'], count: num(r['count'], `failures[${i}].count`, 0),
      };
    }),
  };
}

export class Faults {
  #config: FaultConfig = {};
  #random: () => number = prng(0);
  #injected = new Map<FailureRule, number>();

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  get config(): FaultConfig {
    return this.#config;
  }

  set(config: FaultConfig): void {
    this.#config = validateFaults(config);
    this.#random = prng(this.#config.seed ?? 1);
    this.#injected.clear();
  }

  /** Decides whether this request fails, and how. */
  decide(op: string): 'error' | 'drop' | undefined {
    for (const rule of this.#config.failures ?? []) {
      if (rule.op !== '*' && rule.op !== op) continue;
      const done = this.#injected.get(rule) ?? 0;
      if (rule.count !== undefined && done >= rule.count) continue;
      if (this.#random() < rule.rate) {
        this.#injected.set(rule, done + 1);
        return rule.kind ?? 'error';
      }
    }
    return undefined;
  }

  async delay(): Promise<void> {
    const ms = this.#config.latencyMs ?? 0;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** A pass-through that paces a request body to the configured bandwidth (read at each chunk, so it can change mid-upload). */
  throttle(): Transform {
    const faults = this;
    let start = 0;
    let bytes = 0;
    return new Transform({
      transform(chunk: Buffer, _enc, done) {
        const rate = faults.#config.bandwidth ?? 0;
        if (!rate) return done(null, chunk);
        const now = Date.now();
        if (!start) start = now;
        bytes += chunk.length;
        const due = start + (bytes / rate) * 1000;
        if (due <= now) return done(null, chunk);
        setTimeout(() => done(null, chunk), due - now);
      },
    });
  }
}

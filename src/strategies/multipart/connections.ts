// The page's connections to one OSS host, shared by every upload of the sts engine (every file,
// every element): a browser opens at most 6 per host and queues the rest itself, where a request
// waits with its stall timer running, its signature ageing and its rate mismeasured. So a PutObject
// or a part goes only when it holds one of them; a freed one goes to the waiting upload that holds
// the fewest (the earliest among equals), so files share the link fairly with parts. Also what the
// page has learned of one connection's rate to that host, so that the next upload starts from it.
import { abortedError } from '../../errors.js';
import { CONNECTIONS_PER_HOST } from './plan.js';

/** Gives a connection back (once; later calls do nothing). */
export type Release = () => void;

interface Waiter {
  owner: object;
  grant(release: Release): void;
}

/** A measured rate is trusted this long: the link may have changed since. */
const RATE_TTL_MS = 5 * 60_000;
/** Smaller requests say more about the latency than about the rate. */
const MIN_MEASURED = 1024 * 1024;

export class HostConnections {
  #limit: number;
  #busy = 0;
  readonly #held = new Map<object, number>();
  readonly #waiting: Waiter[] = [];
  #rate?: number;
  #rateAt = 0;

  constructor(limit = CONNECTIONS_PER_HOST) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Connections in use. */
  get busy(): number {
    return this.#busy;
  }

  /** Raises the limit: the page asked for more parts in flight (an endpoint that multiplexes, HTTP/2). */
  allow(limit: number): void {
    if (limit <= this.#limit) return;
    this.#limit = limit;
    this.#grant();
  }

  /** Connections `owner` holds. */
  held(owner: object): number {
    return this.#held.get(owner) ?? 0;
  }

  /** An equal share of the connections among the uploads that hold or wait for one, `owner` included. */
  share(owner: object): number {
    const owners = new Set<object>(this.#held.keys());
    for (const w of this.#waiting) owners.add(w.owner);
    owners.add(owner);
    return Math.max(1, Math.floor(this.#limit / owners.size));
  }

  /** A connection for `owner`: at once when one is free, else when its turn comes. Rejects with `aborted` when `signal` aborts first. */
  acquire(owner: object, signal: AbortSignal): Promise<Release> {
    if (signal.aborted) return Promise.reject(abortedError());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(abortedError());
      };
      const waiter: Waiter = {
        owner,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#grant();
    });
  }

  #grant(): void {
    while (this.#busy < this.#limit && this.#waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.#waiting.length; i++) {
        if (this.held(this.#waiting[i]!.owner) < this.held(this.#waiting[best]!.owner)) best = i;
      }
      const [waiter] = this.#waiting.splice(best, 1);
      const owner = waiter!.owner;
      this.#busy++;
      this.#held.set(owner, this.held(owner) + 1);
      let released = false;
      waiter!.grant(() => {
        if (released) return;
        released = true;
        this.#busy--;
        const left = this.held(owner) - 1;
        if (left > 0) this.#held.set(owner, left);
        else this.#held.delete(owner);
        this.#grant();
      });
    }
  }

  /** Bytes per ms that one connection carried lately; undefined before any part was measured (or long ago). */
  get rate(): number | undefined {
    return this.#rate !== undefined && Date.now() - this.#rateAt < RATE_TTL_MS ? this.#rate : undefined;
  }

  /** A request carried `bytes` in `ms` (from its start to its answer). */
  measured(bytes: number, ms: number): void {
    if (!(bytes >= MIN_MEASURED && ms > 0)) return;
    const sample = bytes / ms;
    const known = this.rate;
    // Recent parts weigh most: a link that changes is followed within a few parts.
    this.#rate = known === undefined ? sample : known / 2 + sample / 2;
    this.#rateAt = Date.now();
  }
}

const hosts = new Map<string, HostConnections>();

/** The shared connections to the host of `url` (scheme, host and port: what a browser counts by). */
export function connectionsTo(url: string): HostConnections {
  const origin = new URL(url).origin;
  let host = hosts.get(origin);
  if (!host) {
    host = new HostConnections();
    hosts.set(origin, host);
  }
  return host;
}

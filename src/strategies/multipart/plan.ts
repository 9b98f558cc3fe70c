// How a file is cut, and how many parts go at once. Measured in headless Chromium
// (bench/slow-link.ts, bench/sts-browser.ts): on a long path one connection carries a fraction of
// the link and the number of connections decides (Chromium opens 6 per host), while on a fast link
// every request costs a CORS preflight (each part's URL is new) and Chromium's per-request work, so
// large parts win. Hence:
//   - parts in flight start at the connections the upload may use (a slow start would cost more
//     than 5 % of a 96 MiB upload on a 12.5 MB/s-per-connection link), halve on a failure or a
//     stall, and grow back by one per round of parts while the rate the upload makes grows;
//   - each part is cut when a connection is free, so that every connection ends at about the same
//     time (what is left, the unsent bytes in flight included, shared by the connections), no
//     larger than {@link FIRST_MAX_PART} before a part has shown the link's rate, and then between
//     {@link MIN_PART_MS} and {@link MAX_PART_MS} of sending at the rate one connection showed
//     (requests' latency stays a few per cent; a retry and a pause lose little), at most
//     {@link DEFAULT_MAX_PART}; always large enough that OSS's 10,000 parts hold the file.
// A part size set by the page is used as it is (raised only for the 10,000-part limit); a
// `parallel` set by the page is the most parts in flight.

const MiB = 1024 * 1024;

/** OSS: every part but the last has at least 100 KB. */
export const MIN_PART_SIZE = 100 * 1024;
/** OSS: a part has at most 5 GiB. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** OSS: part numbers 1…10,000. */
export const MAX_PARTS = 10_000;
/** OSS: a multipart object has at most 48.8 TiB. */
export const MAX_MULTIPART_SIZE = MAX_PARTS * MAX_PART_SIZE;

/** Files up to this size go as one PutObject (one request, nothing to resume). */
export const DEFAULT_PUT_THRESHOLD = 8 * MiB;
/** Connections a browser opens to one host over HTTP/1.1 (Chromium, Firefox, Safari): the most parts in flight by default. */
export const CONNECTIONS_PER_HOST = 6;
/** Parts before any part has shown the link's rate are at most this large. */
export const FIRST_MAX_PART = 16 * MiB;
/** Parts are at most this large (larger ones measured no faster, and retry more bytes). */
export const DEFAULT_MAX_PART = 64 * MiB;
/** A part takes at least about this long at the measured rate (unless it is the rest of the file): its request's latency stays a few per cent. */
export const MIN_PART_MS = 1000;
/** A part takes at most about this long at the measured rate: a retry or a pause loses little. */
export const MAX_PART_MS = 8000;
/** The most parts in flight a page may ask for. */
export const MOST_PARALLEL = 16;

const roundUpTo = (n: number, unit: number) => Math.ceil(n / unit) * unit;

/** The smallest part size with which `remaining` bytes still fit into the part numbers left. */
export function minimumPartSize(remaining: number, partsLeft: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(remaining / Math.max(1, partsLeft)));
}

/** Parts in flight a page asked for, within 1…{@link MOST_PARALLEL}; undefined when it did not ask. */
export function planParallel(requested?: number): number | undefined {
  if (requested === undefined || !Number.isFinite(requested)) return undefined;
  return Math.max(1, Math.min(MOST_PARALLEL, Math.floor(requested)));
}

export interface PartCut {
  /** Bytes not cut into parts yet. */
  unassigned: number;
  /** Bytes of the parts in flight not sent yet: work the other connections still have ahead. */
  inFlight: number;
  /** Connections the upload works with. */
  connections: number;
  /** Bytes per ms that one connection carried, once a part has shown it. */
  rate?: number;
  /** Part numbers left, this one included. */
  partsLeft: number;
  /** Parts at most this large (default {@link DEFAULT_MAX_PART}). */
  maxPart?: number;
}

/** The size of the next part (see the file's comment); never more than `unassigned`. */
export function nextPartSize(cut: PartCut): number {
  const { unassigned, rate } = cut;
  const max = cut.maxPart ?? DEFAULT_MAX_PART;
  // What every connection carries from now if they all end together.
  const balanced = (unassigned + cut.inFlight) / Math.max(1, cut.connections);
  const ceiling = rate ? Math.min(max, Math.max(MIN_PART_SIZE, rate * MAX_PART_MS)) : Math.min(max, FIRST_MAX_PART);
  const floor = rate ? Math.min(ceiling, rate * MIN_PART_MS) : MIN_PART_SIZE;
  let size = roundUpTo(Math.min(ceiling, Math.max(floor, balanced)), 64 * 1024);
  size = Math.min(MAX_PART_SIZE, Math.max(size, minimumPartSize(unassigned, cut.partsLeft)));
  // No runt at the end: a rest smaller than a quarter of this part rides along with it.
  if (unassigned - size < Math.max(MIN_PART_SIZE, size / 4) && unassigned <= MAX_PART_SIZE) size = unassigned;
  return Math.min(size, unassigned);
}

/** A part size the page set: used as it is, raised only so that the part numbers left hold the rest. */
export function fixedPartSize(requested: number, unassigned: number, partsLeft: number): number {
  return Math.min(unassigned, MAX_PART_SIZE, Math.max(Math.floor(requested), minimumPartSize(unassigned, partsLeft)));
}

/**
 * Parts in flight of one upload: starts at `start`; halves on a failure or a stall (a link that
 * drops requests gets fewer at once), once for all the requests that were under way together;
 * after each round (as many parts stored as were allowed in
 * flight) grows by one while the round's rate beat the previous round's by {@link GROWTH}, and steps
 * back when a growth did not pay, holding there for {@link HOLD_ROUNDS} rounds. Time is passed in.
 */
export class Parallelism {
  #target: number;
  readonly #max: number;
  #roundStart: number;
  #roundSent: number;
  #roundParts = 0;
  #lastRate?: number;
  #grew = false;
  #hold = 0;
  /** When parallelism last halved: failures of requests started before then were already counted. */
  #halvedAt = -Infinity;

  constructor(max: number, start: number, now: number, sent = 0) {
    this.#max = Math.max(1, max);
    this.#target = Math.max(1, Math.min(this.#max, start));
    this.#roundStart = now;
    this.#roundSent = sent;
  }

  /** Parts allowed in flight now. */
  get target(): number {
    return this.#target;
  }

  /** A part whose request started at `startedAt` failed in a way a retry may fix (a 5xx, a dropped connection, a stall). */
  failed(now: number, sent: number, startedAt: number): void {
    if (startedAt < this.#halvedAt) return;
    this.#halvedAt = now;
    this.#target = Math.max(1, Math.ceil(this.#target / 2));
    this.#newRound(now, sent);
    this.#lastRate = undefined;
    this.#grew = false;
  }

  /**
   * A part whose request started at `startedAt` was stored; `sent` counts every byte of the upload
   * sent so far (parts in flight too). Only parts started in this round count toward it: a round
   * measures the rate at the current parallelism.
   */
  stored(now: number, sent: number, startedAt: number): void {
    if (startedAt < this.#roundStart) return;
    if (++this.#roundParts < this.#target) return;
    const ms = now - this.#roundStart;
    if (ms <= 0) return;
    const rate = (sent - this.#roundSent) / ms;
    const better = this.#lastRate === undefined || rate > this.#lastRate * (1 + GROWTH);
    if (this.#grew && !better) {
      this.#target--; // the last connection added did not make the upload faster
      this.#hold = HOLD_ROUNDS;
      this.#grew = false;
    } else if (this.#hold > 0) {
      this.#hold--;
    } else if (this.#target < this.#max && better) {
      this.#target++;
      this.#grew = true;
    } else {
      this.#grew = false;
    }
    this.#lastRate = rate;
    this.#newRound(now, sent);
  }

  #newRound(now: number, sent: number): void {
    this.#roundStart = now;
    this.#roundSent = sent;
    this.#roundParts = 0;
  }
}

/** A round's rate must beat the previous one's by this fraction for parallelism to grow on. */
export const GROWTH = 0.05;
/** Rounds without growth after a growth that did not pay. */
export const HOLD_ROUNDS = 4;

export interface PartPlan {
  partSize: number;
  parallel: number;
  count: number;
}

/**
 * A fixed part size for a file of `size` bytes (the ali-oss engine, which cuts the file itself):
 * about two parts per slot in flight, 8–32 MiB (ali-oss copies each part into memory), raised so
 * 10,000 parts hold the file. A requested size is honoured, raised only for that limit.
 */
export function planParts(size: number, requested: { partSize?: number; parallel?: number } = {}): PartPlan {
  const parallel = planParallel(requested.parallel) ?? 4;
  let partSize = requested.partSize && requested.partSize > 0
    ? Math.floor(requested.partSize)
    : Math.min(32 * MiB, Math.max(8 * MiB, roundUpTo(size / (2 * parallel), MiB)));
  partSize = Math.min(MAX_PART_SIZE, Math.max(partSize, minimumPartSize(size, MAX_PARTS)));
  return { partSize, parallel, count: Math.max(1, Math.ceil(size / partSize)) };
}

// How a file is cut: part sizes and parts in flight. Measured in headless Chromium (bench/sts-browser.ts,
// `npm run bench -- --only sts`; the table says the same): every part costs a request, a
// CORS preflight (its URL is new) and Chromium's per-request overhead, so on a fast link large
// parts win (8 MiB parts reach about half of one whole-file PUT, 32–64 MiB parts come close to it),
// while on a slow link a large part is a long wait for its first progress, a large retry and a
// large loss when the page closes. So parts start at 8 MiB (the first one alone, for at most
// half a second, so that the others are cut to the rate it shows) and grow: after each part, the next
// is sized to take about {@link TARGET_PART_MS} at the rate that part went (never smaller than the
// last one, at most ×8 at a time, at most 64 MiB), and always large enough that OSS's 10,000
// parts hold what is left. A part size set by the page is used as it is (raised only for the
// 10,000-part limit).

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
/** Parts in flight. */
export const DEFAULT_PARALLEL = 4;
/** The first parts' size. */
export const DEFAULT_FIRST_PART = 8 * MiB;
/** Parts grow up to this size (larger ones measured no faster, and retry more bytes). */
export const DEFAULT_MAX_PART = 64 * MiB;
/** Parts grow until one takes about this long. */
export const TARGET_PART_MS = 2000;

const roundUpTo = (n: number, unit: number) => Math.ceil(n / unit) * unit;

/** The smallest part size with which `remaining` bytes still fit into the part numbers left. */
export function minimumPartSize(remaining: number, partsLeft: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(remaining / Math.max(1, partsLeft)));
}

/** The size of the next parts after one of `bytes` took `ms`: only ever growing, at most ×8, at most `max`. */
export function grownPartSize(current: number, bytes: number, ms: number, max = DEFAULT_MAX_PART): number {
  if (current >= max || ms <= 0) return current;
  const fitting = (bytes / ms) * TARGET_PART_MS;
  const next = Math.min(max, 8 * current, roundUpTo(fitting, MiB));
  return Math.max(current, next);
}

export function planParallel(requested?: number): number {
  return Math.max(1, Math.min(16, Math.floor(requested ?? DEFAULT_PARALLEL)));
}

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
  const parallel = planParallel(requested.parallel);
  let partSize = requested.partSize && requested.partSize > 0
    ? Math.floor(requested.partSize)
    : Math.min(32 * MiB, Math.max(DEFAULT_FIRST_PART, roundUpTo(size / (2 * parallel), MiB)));
  partSize = Math.min(MAX_PART_SIZE, Math.max(partSize, minimumPartSize(size, MAX_PARTS)));
  return { partSize, parallel, count: Math.max(1, Math.ceil(size / partSize)) };
}

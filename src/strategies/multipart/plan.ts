// How a file is cut: part size and parts in flight. The defaults come from measurements in
// headless Chromium (bench/sts-browser.ts, `npm run bench -- --only sts`): large parts win
// because each request costs a round trip and Chromium's per-request overhead, while progress
// (reported inside each part) and retries (one part at a time) argue against huge ones. Part
// size grows with the file so that OSS's 10,000 parts always suffice.

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
/** The smallest default part; files get about two parts per slot in flight, up to {@link DEFAULT_MAX_PART}. */
export const DEFAULT_MIN_PART = 8 * MiB;
export const DEFAULT_MAX_PART = 32 * MiB;

export interface PartPlan {
  partSize: number;
  parallel: number;
  count: number;
}

const roundUpTo = (n: number, unit: number) => Math.ceil(n / unit) * unit;

/**
 * The part size and parallelism for a file of `size` bytes. A requested part size is honoured
 * but raised when 10,000 parts would not hold the file, and never below OSS's 100 KB minimum.
 */
export function planParts(size: number, requested: { partSize?: number; parallel?: number } = {}): PartPlan {
  const parallel = Math.max(1, Math.min(16, Math.floor(requested.parallel ?? DEFAULT_PARALLEL)));
  let partSize = requested.partSize && requested.partSize > 0
    ? Math.floor(requested.partSize)
    : Math.min(DEFAULT_MAX_PART, Math.max(DEFAULT_MIN_PART, roundUpTo(size / (2 * parallel), MiB)));
  partSize = Math.max(partSize, MIN_PART_SIZE, roundUpTo(size / MAX_PARTS, MiB));
  partSize = Math.min(partSize, MAX_PART_SIZE);
  const count = Math.max(1, Math.ceil(size / partSize));
  return { partSize, parallel, count };
}

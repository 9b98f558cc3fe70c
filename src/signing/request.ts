// The parts of an OSS request that signatures cover, in one plain shape shared by every signer.

export type QueryPairs = ReadonlyArray<readonly [name: string, value: string]>;

export interface SignableRequest {
  method: string;
  /** Empty or absent for service-level requests. */
  bucket?: string;
  /** The object key, raw (not URL-encoded). Empty or absent for bucket-level requests. */
  key?: string;
  /** Header names in any case. Undefined values are skipped. */
  headers?: Readonly<Record<string, string | undefined>>;
  /** Decoded query parameters; '' is a bare parameter (`?uploads`). */
  query?: QueryPairs | Readonly<Record<string, string | undefined>>;
}

export function queryPairs(query: SignableRequest['query']): Array<[string, string]> {
  if (!query) return [];
  if (Array.isArray(query)) return query.map(([k, v]) => [k, v ?? '']);
  return Object.entries(query as Record<string, string | undefined>)
    .filter((e): e is [string, string] => e[1] !== undefined);
}

/** Lower-cased names, trimmed values; repeated names (different case) joined with ','. */
export function normalizeHeaders(headers: SignableRequest['headers']): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const k = name.toLowerCase().trim();
    const v = String(value).trim();
    out.set(k, out.has(k) ? `${out.get(k)},${v}` : v);
  }
  return out;
}

/** Byte-order comparison of two strings (what the signatures sort by, unlike localeCompare). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "20231216T162057Z" from a Date. */
export function isoBasic(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Object keys. The rule (README "Key rule"): key = the server's `dir` + the `key-template`
// rendered for the file, default `{id}/{name}`: a time-ordered random id that cannot collide by
// accident, as a folder, then the file's own name, cleaned so that it stays one readable path
// segment. URLs are built from keys with every segment percent-encoded.
import { encodeKeyPath } from './signing/encoding.js';
import { UploadError } from './errors.js';

export const DEFAULT_KEY_TEMPLATE = '{id}/{name}';
/** OSS keys are 1–1023 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1023;

/** The placeholders `key-template` understands. */
export const KEY_PLACEHOLDERS = ['id', 'uuid', 'name', 'path', 'base', 'ext', 'date', 'yyyy', 'mm', 'dd', 'timestamp'] as const;
export type KeyPlaceholder = (typeof KEY_PLACEHOLDERS)[number];

export { MAX_NAME_BYTES, byteLength, cleanFileName, splitName, newId } from './shared/names.js';
import { CONTROL_CHARACTERS, byteLength, cleanFileName, newId, splitName } from './shared/names.js';

/** An RFC 4122 version 4 UUID, from getRandomValues (works outside secure contexts). */
export function newUuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface KeyFile {
  name: string;
  /** The path within a chosen or dropped folder, the folder's own name first (`photos/2024/a.jpg`); empty or absent for a loose file. */
  webkitRelativePath?: string;
}

/**
 * `{path}`: the file's path within its folder, each segment cleaned as a name (`photos/2024/a.jpg`),
 * or the cleaned name alone for a file not chosen with its folder.
 */
export function cleanRelativePath(file: KeyFile): string {
  const segments = (file.webkitRelativePath ?? '').split('/').filter((s) => s !== '');
  return segments.length ? segments.map(cleanFileName).join('/') : cleanFileName(file.name);
}

/**
 * Renders a key template for a file. Placeholders: `{id}` ULID, `{uuid}` random UUID, `{name}`
 * cleaned file name, `{path}` its path within a chosen or dropped folder (see {@link cleanRelativePath}), `{base}` / `{ext}` its stem and extension (with the dot), `{date}` YYYY-MM-DD,
 * `{yyyy}` `{mm}` `{dd}` (UTC), `{timestamp}` ms since the epoch. Unknown placeholders are an
 * `invalid-key` error. The result is normalised by {@link normalizeKey}.
 */
export function renderKeyTemplate(template: string, file: KeyFile, now = new Date()): string {
  const name = cleanFileName(file.name);
  const { base, ext } = splitName(name);
  const iso = now.toISOString();
  const values: Record<KeyPlaceholder, () => string> = {
    id: () => newId(now.getTime()),
    uuid: newUuid,
    name: () => name,
    path: () => cleanRelativePath(file),
    base: () => base,
    ext: () => ext,
    date: () => iso.slice(0, 10),
    yyyy: () => iso.slice(0, 4),
    mm: () => iso.slice(5, 7),
    dd: () => iso.slice(8, 10),
    timestamp: () => String(now.getTime()),
  };
  const key = template.replace(/\{([^{}]*)\}/g, (_, placeholder: string) => {
    const value = values[placeholder as KeyPlaceholder];
    if (!value) throw new UploadError('invalid-key', `Unknown placeholder {${placeholder}} in key-template; known: ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}.`);
    return value();
  });
  return normalizeKey(key);
}

/**
 * A key as OSS and URLs take it: no leading `/`, no empty, `.` or `..` segments (browsers would
 * resolve them in the URL), no control characters; 1–1023 bytes, else `invalid-key`.
 */
export function normalizeKey(key: string): string {
  const segments = key.replace(CONTROL_CHARACTERS, '').split('/');
  const trailing = segments.length > 1 && segments.at(-1) === '';
  const kept = segments.filter((s) => s !== '').map((s) => (/^\.{1,2}$/.test(s) ? '_' : s));
  const out = kept.join('/') + (trailing && kept.length ? '/' : '');
  if (out === '' || out.endsWith('/')) throw new UploadError('invalid-key', `The object key "${key}" has no file name.`);
  if (byteLength(out) > MAX_KEY_BYTES) throw new UploadError('invalid-key', `The object key is longer than ${MAX_KEY_BYTES} bytes.`);
  return out;
}

/** The server's prefix and the relative key, as the full object key. The prefix is used as given. */
export function joinKey(dir: string, key: string): string {
  return normalizeKey(dir + key.replace(/^\/+/, ''));
}

/** The URL of an object under a bucket URL (`https://bucket.oss-….com` or path-style `http://host/bucket`). */
export function objectUrl(bucketUrl: string, key: string): string {
  return `${bucketUrl.replace(/\/+$/, '')}/${encodeKeyPath(key)}`;
}

/** The bucket a bucket URL names: the first label of a virtual-hosted host, else the first path segment. */
export function bucketOf(bucketUrl: string): string {
  let url: URL;
  try {
    url = new URL(bucketUrl);
  } catch {
    return '';
  }
  const segment = url.pathname.split('/').find((s) => s !== '');
  if (segment) return decodeURIComponent(segment);
  const labels = url.hostname.split('.');
  return labels.length > 2 || (labels.length === 2 && labels[1] === 'localhost') ? labels[0]! : '';
}

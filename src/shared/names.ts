// File names and ids for object keys, shared by the browser (src/keys.ts) and the server's proxy
// handler, so that both name objects by one rule. Plain TypeScript: no DOM, no Node.

/** A cleaned name keeps at most this many bytes (the extension survives the cut). */
export const MAX_NAME_BYTES = 200;

const encoder = new TextEncoder();
export const byteLength = (text: string): number => encoder.encode(text).length;
// C0, DEL and C1 controls, and the Unicode line/paragraph separators: never useful in a key.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * A file name as one safe, readable key segment: Unicode NFC (macOS hands out NFD), no control
 * characters, `/` and `\` become `_` (so `../x` cannot climb out of its folder), a name that is
 * only dots becomes `_`, `${` becomes `$_{` (OSS would expand `${filename}`), surrounding spaces
 * trimmed, at most 200 bytes with the extension kept. Spaces, Unicode, `#`, `?` and `%` stay:
 * they are legal in keys, and URLs encode them.
 */
export function cleanFileName(name: string): string {
  let clean = name.normalize('NFC').replace(CONTROL_CHARACTERS, '').replace(/[/\\]/g, '_').replace(/\$\{/g, '$_{').trim();
  if (/^\.*$/.test(clean)) clean = clean === '' ? 'file' : '_';
  if (byteLength(clean) > MAX_NAME_BYTES) {
    const { base, ext } = splitName(clean);
    const keptExt = byteLength(ext) <= 20 ? ext : '';
    clean = cutBytes(keptExt ? base : clean, MAX_NAME_BYTES - byteLength(keptExt)).trimEnd() + keptExt;
  }
  return clean;
}

/** `photo.tar.gz` → base `photo.tar`, ext `.gz`; `.env` → base `.env`, ext ``. */
export function splitName(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { base: name, ext: '' };
  return { base: name.slice(0, dot), ext: name.slice(dot) };
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A ULID in lower case: 48 bits of milliseconds then 80 random bits, 26 characters. Sorted by
 * time in a bucket listing; two ids in the same millisecond collide with odds 2^-80.
 * `crypto.getRandomValues` also works on plain-http pages, where `randomUUID` does not exist.
 */
export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rest = '';
  for (let i = 0; i < 16; i++) rest += CROCKFORD[random[i]! % 32];
  return time + rest;
}

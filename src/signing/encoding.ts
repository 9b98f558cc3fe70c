// Byte and text encodings used by the OSS signatures. Runs in browsers and Node (no Node imports).

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Base64 of the UTF-8 bytes of a string (what a PostObject `policy` or `callback` field holds). */
export function base64Utf8(text: string): string {
  return toBase64(utf8(text));
}

export function decodeBase64Utf8(text: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(fromBase64(text));
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * RFC 3986 percent-encoding as OSS V4 uses it: unreserved characters stay, every other byte of
 * the UTF-8 form becomes %XX with upper-case hex. With `keepSlash`, '/' stays (CanonicalURI).
 */
export function uriEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch) || (keepSlash && ch === '/')) {
      out += ch;
    } else {
      for (const b of utf8(ch)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** A key as it goes in a URL path: each segment percent-encoded, '/' kept. */
export function encodeKeyPath(key: string): string {
  return uriEncode(key, true);
}

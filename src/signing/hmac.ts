// HMAC and SHA-256 through WebCrypto, so the same code signs in the browser, the server and the emulator.
import { utf8 } from './encoding.js';

type Bytes = Uint8Array;

type Subtle = typeof globalThis.crypto.subtle;

function subtle(): Subtle {
  const c = globalThis.crypto?.subtle;
  if (!c) throw new Error('WebCrypto (crypto.subtle) is not available: OSS signing needs a secure context (https or localhost)');
  return c;
}

function asBytes(data: string | Bytes): Bytes {
  return typeof data === 'string' ? utf8(data) : data;
}

async function hmac(hash: 'SHA-1' | 'SHA-256', key: string | Bytes, data: string | Bytes): Promise<Bytes> {
  const k = await subtle().importKey('raw', asBytes(key) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, asBytes(data) as Uint8Array<ArrayBuffer>));
}

export function hmacSha1(key: string | Bytes, data: string | Bytes): Promise<Bytes> {
  return hmac('SHA-1', key, data);
}

export function hmacSha256(key: string | Bytes, data: string | Bytes): Promise<Bytes> {
  return hmac('SHA-256', key, data);
}

export async function sha256(data: string | Bytes): Promise<Bytes> {
  return new Uint8Array(await subtle().digest('SHA-256', asBytes(data) as Uint8Array<ArrayBuffer>));
}

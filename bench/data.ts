// The bytes the benchmarks upload: an AES-128-CTR keystream, deterministic per seed, made the same
// way here (node:crypto) and in a page (bench/page-data.js, WebCrypto), so that Node knows the size
// and CRC-64 of what a page will send without the page sending it twice.
//
// Block `i` (64 MiB, the last one shorter) is the keystream of key = SHA-256(seed)[0..16] with the
// counter block i (8 bytes, big-endian) ‖ 0 (8 bytes): 4 Mi blocks of 16 bytes never carry into
// the upper half, so node's 128-bit counter and WebCrypto's 64-bit one (`length: 64`) agree.
import { createCipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Crc64 } from '../src/signing/crc64.js';

export const DATA_BLOCK = 64 * 1024 * 1024;

const ZEROS = Buffer.alloc(1024 * 1024);

/** The key (hex) a page needs to make the same bytes: `makeBlob(size, keyHex)` in bench/page-data.js. */
export function dataKeyHex(seed: string): string {
  return createHash('sha256').update(seed).digest().subarray(0, 16).toString('hex');
}

/** `length` bytes (≤ DATA_BLOCK) of block `index` of the seed's data. */
export function dataBlock(seed: string, index: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  iv.writeUInt32BE(index % 2 ** 32, 4);
  const cipher = createCipheriv('aes-128-ctr', Buffer.from(dataKeyHex(seed), 'hex'), iv);
  const out = Buffer.allocUnsafeSlow(length);
  for (let at = 0; at < length; at += ZEROS.length) cipher.update(ZEROS.subarray(0, Math.min(ZEROS.length, length - at))).copy(out, at);
  return out;
}

/** The CRC-64 (ECMA, as OSS's x-oss-hash-crc64ecma) of the first `size` bytes of the seed's data. */
export function dataCrc(seed: string, size: number): bigint {
  const crc = new Crc64();
  for (let at = 0, i = 0; at < size; at += DATA_BLOCK, i++) crc.update(dataBlock(seed, i, Math.min(DATA_BLOCK, size - at)));
  return crc.digest();
}

/**
 * Writes the first `size` bytes of the seed's data to `path`: a page given it through an
 * `<input type=file>` holds a File on disk, as a user's is. (A Blob made in the page lives in
 * memory, and Chromium copies the bytes of every slice of such a Blob while the page waits: tens of
 * ms per 16 MiB, which a file chosen from disk never costs.)
 */
export async function writeData(seed: string, size: number, path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let at = 0, i = 0; at < size; at += DATA_BLOCK, i++) await file.write(dataBlock(seed, i, Math.min(DATA_BLOCK, size - at)));
  } finally {
    await file.close();
  }
}

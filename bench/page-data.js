// The page side of bench/data.ts: the same AES-128-CTR keystream, with WebCrypto, as a Blob.
// Plain JavaScript with no imports: bench/sts-page.js bundles it, the signed-policy bench's page
// loads it as it is.
const BLOCK = 64 * 1024 * 1024;

/** A Blob of the first `size` bytes of the data whose key is `keyHex` (bench/data.ts dataKeyHex). */
export async function makeBlob(size, keyHex) {
  const raw = new Uint8Array(keyHex.match(/../g).map((h) => parseInt(h, 16)));
  const key = await crypto.subtle.importKey('raw', raw, 'AES-CTR', false, ['encrypt']);
  const blocks = [];
  for (let at = 0, i = 0; at < size; at += BLOCK, i++) {
    const counter = new Uint8Array(16);
    new DataView(counter.buffer).setUint32(0, Math.floor(i / 2 ** 32));
    new DataView(counter.buffer).setUint32(4, i % 2 ** 32);
    const zeros = new Uint8Array(Math.min(BLOCK, size - at));
    blocks.push(new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, key, zeros)));
  }
  const blob = new Blob(blocks, { type: 'application/octet-stream' });
  // Read it once: a fresh Chromium fails the first read of a large Blob (TOOLCHAIN.md).
  await blob.slice(0, 1024).arrayBuffer();
  return blob;
}

// Smoke test of the Node test chain: node --test, the tsx loader, TypeScript syntax, WebCrypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const hex = (buffer: ArrayBuffer): string => Buffer.from(buffer).toString('hex');

test('WebCrypto HMAC-SHA256 matches RFC 4231 test case 2', async () => {
  const utf8 = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    utf8.encode('Jefe'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await globalThis.crypto.subtle.sign('HMAC', key, utf8.encode('what do ya want for nothing?'));
  assert.equal(hex(mac), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

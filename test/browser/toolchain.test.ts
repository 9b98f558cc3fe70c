// Smoke test of the browser test chain: esbuild's TypeScript transform, node-resolve of a bare
// import, WebCrypto in Chromium, and the `/__env.js` virtual module from servers.mjs.
import { expect } from '@open-wc/testing';
import { env } from '/__env.js';

const hex = (buffer: ArrayBuffer): string =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

describe('toolchain (browser)', () => {
  it('computes HMAC-SHA256 with WebCrypto (RFC 4231, test case 2)', async () => {
    const utf8 = new TextEncoder();
    const key = await crypto.subtle.importKey(
      'raw',
      utf8.encode('Jefe'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = await crypto.subtle.sign('HMAC', key, utf8.encode('what do ya want for nothing?'));
    expect(hex(mac)).to.equal('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('imports the /__env.js virtual module', () => {
    expect(env).to.be.an('object');
    expect(Array.isArray(env)).to.equal(false);
  });
});

// Upload callbacks through the running emulator: ali-oss Put and multipart, and a PostObject form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createVerify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { bytes, client, codeOf, emulator, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

interface Received { path: string; body: string; verified: boolean; host?: string }

describe('upload callbacks through the emulator', () => {
  let emu: RunningEmulator;
  let app: Server;
  let appUrl: string;
  const received: Received[] = [];

  before(async () => {
    emu = await emulator();
    // The app server verifies the signature as a real one would: the public key from x-oss-pub-key-url.
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const keyUrl = Buffer.from(String(req.headers['x-oss-pub-key-url']), 'base64').toString('utf8');
        const pem = await (await fetch(keyUrl)).text();
        const [path, query] = (req.url ?? '/').split('?') as [string, string | undefined];
        const verifier = createVerify('md5');
        verifier.update(decodeURIComponent(path) + (query !== undefined ? `?${query}` : '') + '\n' + body);
        const verified = verifier.verify(pem, String(req.headers['authorization']), 'base64');
        received.push({ path: req.url ?? '', body, verified, host: req.headers.host });
        if (req.url?.startsWith('/fail')) return void res.writeHead(500).end('no');
        const answer = JSON.stringify({ ok: verified, echo: Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) }).end(answer);
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  after(async () => {
    await emu.close();
    app.close();
  });

  test('put with a callback: the app gets a signed, substituted request and its JSON comes back', async () => {
    const oss = client(emu);
    const result = await oss.put('cb/photo one.jpg', bytes(1000), {
      mime: 'image/jpeg',
      callback: {
        url: `${appUrl}/done?from=put`,
        body: 'bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&user=${x:user}',
        customValue: { user: 'alice' },
      },
    } as never) as unknown as { data: { ok: boolean; echo: Record<string, string> } };
    assert.equal(result.data.ok, true);
    assert.deepEqual(result.data.echo, { bucket: 'demo', object: 'cb/photo one.jpg', size: '1000', mimeType: 'image/jpeg', user: 'alice' });
    const last = received.at(-1)!;
    assert.equal(last.verified, true);
    assert.equal(last.path, '/done?from=put');
  });

  test('multipartUpload with a callback on Complete', async () => {
    const oss = client(emu, { authorizationV4: true });
    const result = await oss.multipartUpload('cb/big.bin', bytes(250 * 1024), {
      partSize: 100 * 1024,
      callback: { url: `${appUrl}/done`, body: 'object=${object}&etag=${etag}&size=${size}' },
    } as never) as unknown as { data: { ok: boolean; echo: Record<string, string> } };
    assert.equal(result.data.ok, true);
    assert.equal(result.data.echo['object'], 'cb/big.bin');
    assert.equal(result.data.echo['size'], String(250 * 1024));
    assert.match(result.data.echo['etag']!, /^[0-9A-F]{32}-3$/);
  });

  test('a PostObject form with a callback field', async () => {
    const oss = client(emu);
    const policy = { expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [['starts-with', '$key', 'cb/']] };
    const signed = oss.calculatePostSignature(policy as never) as unknown as Record<string, string>;
    const form = new FormData();
    for (const [k, v] of Object.entries(signed)) form.append(k, v);
    form.append('key', 'cb/${filename}');
    form.append('callback', Buffer.from(JSON.stringify({ callbackUrl: `${appUrl}/form`, callbackBody: 'object=${object}&tag=${x:tag}' })).toString('base64'));
    form.append('x:tag', 'from-form');
    form.append('file', new Blob(['hello']), 'form.txt');
    const res = await fetch(`${emu.url}/demo`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const json = await res.json() as { ok: boolean; echo: Record<string, string> };
    assert.deepEqual(json, { ok: true, echo: { object: 'cb/form.txt', tag: 'from-form' } });
  });

  test('a failing app gives 203 CallbackFailed, and the object is still stored', async () => {
    const oss = client(emu);
    const err = await rejection(oss.put('cb/kept.txt', Buffer.from('kept'), {
      callback: { url: `${appUrl}/fail`, body: 'object=${object}' },
    } as never));
    assert.equal(err.status, 203);
    assert.equal(err.code, 'CallbackFailed');
    assert.equal((await oss.get('cb/kept.txt')).content.toString(), 'kept');
  });

  test('a malformed callback is refused before anything is stored', async () => {
    const res = await client(emu).put('cb/never.txt', Buffer.from('x'), { headers: { 'x-oss-callback': 'not base64 json' } }).catch((e: unknown) => e);
    assert.equal((res as { code: string }).code, 'InvalidArgument');
    assert.equal((await rejection(client(emu).head('cb/never.txt'))).status, 404);
    void codeOf;
  });
});

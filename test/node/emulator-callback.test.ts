import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallbackService, isPrivateHost, verifyCallbackSignature, type ParsedCallback } from '../../src/emulator/callback.js';
import { OssError } from '../../src/emulator/errors.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64');

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A little app server on 127.0.0.1 whose behaviour depends on the first path segment. */
async function startApp(): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      const kind = req.url!.split(/[/?]/)[1];
      const json = (status: number, value: unknown) => {
        const text = JSON.stringify(value);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      switch (kind) {
        case 'fail500':
          return json(500, { error: 'boom' });
        case 'text':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 8 });
          return res.end('not json');
        case 'chunked':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"a":');
          return res.end('"b"}');
        case 'slow':
          setTimeout(() => {
            if (!res.destroyed) json(200, { slow: true });
          }, 2000).unref();
          return;
        default:
          return json(200, { Status: 'OK', got: r.body.toString('utf8') });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function expectInvalid(fn: () => unknown, argumentName: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OssError, `expected OssError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'InvalidArgument');
    assert.equal(err.extra.ArgumentName, argumentName);
    assert.ok('ArgumentValue' in err.extra);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const PUB_KEY_URL = 'http://127.0.0.1:9999/_emulator/callback-public-key.pem';
const SYSTEM = {
  bucket: 'callback-test',
  object: 'dir/my file 文件 &=+%.txt',
  etag: '"D8E8FCA2DC0F896FD7CB4CB0031BA249"',
  size: 5,
  mimeType: 'text/plain',
};

describe('CallbackService', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let svc: CallbackService;
  let base: string;

  before(async () => {
    app = await startApp();
    base = `http://127.0.0.1:${app.port}`;
    svc = new CallbackService({ publicKeyUrl: PUB_KEY_URL });
  });
  after(async () => {
    app.server.closeAllConnections();
    await new Promise<void>((resolve) => app.server.close(() => resolve()));
  });

  const last = () => app.received[app.received.length - 1]!;
  const expectFailed = (result: unknown, message: string | RegExp) => {
    assert.ok(result instanceof OssError, `expected CallbackFailed, got ${JSON.stringify(result)}`);
    assert.equal(result.status, 203);
    assert.equal(result.code, 'CallbackFailed');
    if (typeof message === 'string') assert.equal(result.message, message);
    else assert.match(result.message, message);
  };

  it('publishes an RSA 2048 SPKI PEM public key', () => {
    assert.match(svc.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const key = createPublicKey(svc.publicKeyPem);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('form body: substitutes URL-encoded system and x: variables, signs, relays the JSON answer', async () => {
    const callback = b64({
      callbackUrl: `${base}/cb/%E4%B8%AD%20x.php?id=1&index=2`,
      callbackBody:
        'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}'
        + '&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}'
        + '&my_var=${x:my_var}&absent=${x:absent}&const=1',
    });
    const parsed = svc.parse(callback, b64({ 'x:my_var': 'a b&c=d/é' }));
    assert.equal(parsed.bodyType, 'application/x-www-form-urlencoded');
    const result = await svc.run(parsed, SYSTEM);

    assert.ok(!(result instanceof OssError), `unexpected ${String(result)}`);
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'application/json');
    const r = last();
    assert.deepEqual(JSON.parse(result.body.toString('utf8')), { Status: 'OK', got: r.body.toString('utf8') });

    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/cb/%E4%B8%AD%20x.php?id=1&index=2');
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.equal(r.headers.host, `127.0.0.1:${app.port}`);
    assert.equal(Buffer.from(r.headers['x-oss-pub-key-url'] as string, 'base64').toString('utf8'), PUB_KEY_URL);

    const body = r.body.toString('utf8');
    assert.equal(
      body,
      'bucket=callback-test&object=dir%2Fmy%20file%20%E6%96%87%E4%BB%B6%20%26%3D%2B%25.txt'
        + '&etag=D8E8FCA2DC0F896FD7CB4CB0031BA249&size=5&mimeType=text%2Fplain'
        + '&imageInfo.height=&imageInfo.width=&imageInfo.format='
        + '&my_var=a%20b%26c%3Dd%2F%C3%A9&absent=&const=1',
    );
    const form = new URLSearchParams(body);
    assert.equal(form.get('object'), SYSTEM.object);
    assert.equal(form.get('my_var'), 'a b&c=d/é');
    assert.equal(form.get('size'), '5');

    // The signature, as the project's verifier checks it …
    const authorization = r.headers.authorization!;
    const [path, query] = r.url.split('?') as [string, string];
    assert.ok(verifyCallbackSignature({ path, query, body: r.body, authorization, publicKeyPem: svc.publicKeyPem }));
    assert.ok(verifyCallbackSignature({ path: r.url, body, authorization, publicKeyPem: svc.publicKeyPem }));
    // … and independently, straight from the documented recipe.
    const signed = Buffer.from(`${decodeURIComponent(path)}?${query}\n${body}`, 'utf8');
    assert.ok(verify('md5', signed, svc.publicKeyPem, Buffer.from(authorization, 'base64')));

    // Tampering with anything signed breaks it.
    const tampered = body.replace('size=5', 'size=6');
    assert.equal(verifyCallbackSignature({ path, query, body: tampered, authorization, publicKeyPem: svc.publicKeyPem }), false);
    assert.equal(verify('md5', Buffer.from(`${decodeURIComponent(path)}?${query}\n${tampered}`), svc.publicKeyPem, Buffer.from(authorization, 'base64')), false);
    assert.equal(verifyCallbackSignature({ path: '/cb/other.php', query, body, authorization, publicKeyPem: svc.publicKeyPem }), false);
    assert.equal(verifyCallbackSignature({ path, query: 'id=1&index=3', body, authorization, publicKeyPem: svc.publicKeyPem }), false);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(verifyCallbackSignature({ path, query, body, authorization, publicKeyPem: otherKey }), false);
    assert.equal(verifyCallbackSignature({ path, query, body, authorization: 'not base64!', publicKeyPem: svc.publicKeyPem }), false);
  });

  it('signs a URL without a query as path + "\\n" + body', async () => {
    const result = await svc.run(svc.parse(b64({ callbackUrl: `${base}/plain`, callbackBody: 'k=${bucket}' }), undefined), SYSTEM);
    assert.ok(!(result instanceof OssError));
    const r = last();
    assert.equal(r.url, '/plain');
    assert.equal(r.body.toString(), 'k=callback-test');
    assert.ok(verify('md5', Buffer.from('/plain\nk=callback-test'), svc.publicKeyPem, Buffer.from(r.headers.authorization!, 'base64')));
    assert.ok(verifyCallbackSignature({ path: '/plain', query: '', body: r.body, authorization: r.headers.authorization!, publicKeyPem: svc.publicKeyPem }));
  });

  it('PostObject: x: form fields as variables (names case-insensitive)', async () => {
    const parsed = svc.parse(b64({ callbackUrl: `${base}/post`, callbackBody: 'table=${x:table}&f=${x:f}' }), { 'X:Table': 'users', 'x:f': '1+1' });
    assert.deepEqual(parsed.vars, { 'x:table': 'users', 'x:f': '1+1' });
    const result = await svc.run(parsed, SYSTEM);
    assert.ok(!(result instanceof OssError));
    assert.equal(last().body.toString(), 'table=users&f=1%2B1');
  });

  it('JSON body: variables become JSON values, Content-Type application/json', async () => {
    const callback = b64({
      callbackUrl: `${base}/json`,
      callbackBody:
        '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},'
        + '"height":${imageInfo.height},"v":${x:v},"missing":${x:missing},"crc64":${crc64}}',
      callbackBodyType: 'application/json',
    });
    const object = 'q"uo\\te/文件\n.txt';
    const result = await svc.run(svc.parse(callback, b64({ 'x:v': 'say "hi" \\ ☃' })), { ...SYSTEM, object, crc64: '1234567890123456789' });
    assert.ok(!(result instanceof OssError), `unexpected ${String(result)}`);
    const r = last();
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body.toString('utf8')), {
      bucket: 'callback-test',
      object,
      etag: 'D8E8FCA2DC0F896FD7CB4CB0031BA249',
      size: 5,
      mimeType: 'text/plain',
      height: '',
      v: 'say "hi" \\ ☃',
      missing: '',
      crc64: '1234567890123456789',
    });
    assert.ok(verifyCallbackSignature({ path: r.url, body: r.body, authorization: r.headers.authorization!, publicKeyPem: svc.publicKeyPem }));
  });

  it('sends callbackHost as the Host header', async () => {
    const result = await svc.run(
      svc.parse(b64({ callbackUrl: `${base}/host`, callbackHost: 'app.example.com', callbackBody: 'a=1' }), undefined),
      SYSTEM,
    );
    assert.ok(!(result instanceof OssError));
    assert.equal(last().headers.host, 'app.example.com');
  });

  it('app answering 500 → 203 CallbackFailed', async () => {
    expectFailed(await svc.run(svc.parse(b64({ callbackUrl: `${base}/fail500`, callbackBody: 'a=1' }), undefined), SYSTEM), 'Error Status : 500.');
  });

  it('app answering 200 with a non-JSON body → CallbackFailed', async () => {
    expectFailed(
      await svc.run(svc.parse(b64({ callbackUrl: `${base}/text`, callbackBody: 'a=1' }), undefined), SYSTEM),
      'Response body is not valid json format.',
    );
  });

  it('app answering without Content-Length → CallbackFailed', async () => {
    expectFailed(
      await svc.run(svc.parse(b64({ callbackUrl: `${base}/chunked`, callbackBody: 'a=1' }), undefined), SYSTEM),
      /^Error Status : 400\.User server missing content-length/,
    );
  });

  it('slow app → "Cost too long time" within about timeoutMs', async () => {
    const fast = new CallbackService({ publicKeyUrl: PUB_KEY_URL, timeoutMs: 300 });
    const parsed = fast.parse(b64({ callbackUrl: `${base}/slow`, callbackBody: 'a=1' }), undefined);
    void fast.publicKeyPem; // generate the key outside the timed part
    const t0 = Date.now();
    const result = await fast.run(parsed, SYSTEM);
    const elapsed = Date.now() - t0;
    expectFailed(result, 'Cost too long time');
    assert.ok(elapsed >= 250 && elapsed < 1000, `took ${elapsed} ms`);
  });

  it('dead port → CallbackFailed "can not connect"', async () => {
    const port = await deadPort();
    expectFailed(
      await svc.run(svc.parse(b64({ callbackUrl: `http://127.0.0.1:${port}/x`, callbackBody: 'a=1' }), undefined), SYSTEM),
      'Error Status : -1.OSS can not connect to your callbackUrl, please check it.',
    );
  });

  it('tries the ;-separated URLs in order until one succeeds', async () => {
    const port = await deadPort();
    const before = app.received.length;
    const result = await svc.run(
      svc.parse(b64({ callbackUrl: `http://127.0.0.1:${port}/dead;${base}/fail500;${base}/second`, callbackBody: 'a=1' }), undefined),
      SYSTEM,
    );
    assert.ok(!(result instanceof OssError), `unexpected ${String(result)}`);
    assert.deepEqual(app.received.slice(before).map((r) => r.url), ['/fail500', '/second']);
    // All failing: the last failure is reported.
    expectFailed(
      await svc.run(svc.parse(b64({ callbackUrl: `${base}/text;${base}/fail500`, callbackBody: 'a=1' }), undefined), SYSTEM),
      'Error Status : 500.',
    );
  });

  describe('parse', () => {
    const ok = { callbackUrl: 'http://example.com/cb', callbackBody: 'a=${bucket}' };

    it('accepts OSS-style URLs and defaults', () => {
      const p: ParsedCallback = svc.parse(b64({ ...ok, callbackUrl: '121.43.113.8:23456/index.html;https://a.example.com/x?y=1;' }), undefined);
      assert.deepEqual(p.urls.map(String), ['http://121.43.113.8:23456/index.html', 'https://a.example.com/x?y=1']);
      assert.equal(p.bodyType, 'application/x-www-form-urlencoded');
      assert.equal(p.host, undefined);
      assert.deepEqual(p.vars, {});
      const five = Array.from({ length: 5 }, (_, i) => `http://h${i}.example.com/`).join(';');
      assert.equal(svc.parse(b64({ ...ok, callbackUrl: five, callbackSNI: true }), undefined).urls.length, 5);
      assert.equal(svc.parse(b64({ ...ok, callbackSNI: false }), undefined).sni, false);
      assert.equal(svc.parse(b64({ ...ok, callbackBody: '{"a":${bucket},"b":[${size}]}', callbackBodyType: 'application/json' }), undefined).bodyType, 'application/json');
      // The emulator must reach apps on localhost by default.
      assert.equal(svc.parse(b64({ ...ok, callbackUrl: 'http://127.0.0.1:3000/cb' }), undefined).urls[0]!.port, '3000');
    });

    it('rejects a callback that is not Base64 JSON', () => {
      expectInvalid(() => svc.parse('not base64!', undefined), 'callback');
      expectInvalid(() => svc.parse(b64('plain text'), undefined), 'callback', /not json format/);
      expectInvalid(() => svc.parse(b64('[1,2]'), undefined), 'callback', /not json format/);
      expectInvalid(() => svc.parse('', undefined), 'callback');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 'x'.repeat(4000) }), undefined), 'callback', /too long/);
    });

    it('rejects bad callbackUrl values', () => {
      expectInvalid(() => svc.parse(b64({ callbackBody: 'a=1' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: '' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: 42 }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: '10.101.166.30:test' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: 'http://example.com:99999/' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: 'http://example.com:0/' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: 'http://example.com:/' }), undefined), 'callbackUrl');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: 'ftp://example.com/' }), undefined), 'callbackUrl');
      const six = Array.from({ length: 6 }, (_, i) => `https://callback${i}.com`).join(';') + ';';
      expectInvalid(() => svc.parse(b64({ ...ok, callbackUrl: six }), undefined), 'callbackUrl', /5/);
    });

    it('rejects bad callbackBody / callbackBodyType / callbackHost / callbackSNI', () => {
      expectInvalid(() => svc.parse(b64({ callbackUrl: ok.callbackUrl }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: '' }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 7 }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 'a=${bucket' }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 'a=${}' }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 'a=${x${bucket}}' }), undefined), 'callbackBody');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBodyType: 'text/plain' }), undefined), 'callbackBodyType');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBodyType: 123 }), undefined), 'callbackBodyType');
      // JSON type whose body is not JSON once the variables (JSON values) are in.
      expectInvalid(
        () => svc.parse(b64({ ...ok, callbackBody: '{"b":"${bucket}"}', callbackBodyType: 'application/json' }), undefined),
        'callback',
        /not json format/,
      );
      expectInvalid(() => svc.parse(b64({ ...ok, callbackBody: 'a=1', callbackBodyType: 'application/json' }), undefined), 'callback');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackHost: 5 }), undefined), 'callbackHost');
      expectInvalid(() => svc.parse(b64({ ...ok, callbackSNI: 'true' }), undefined), 'callbackSNI');
    });

    it('rejects bad callback-var values', () => {
      const cb = b64(ok);
      expectInvalid(() => svc.parse(cb, 'not base64!'), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64('nope')), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64(['x:a'])), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64({ var1: 'v' })), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64({ 'x:Var1': 'v' })), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64({ 'x:a': { nested: true } })), 'callback-var');
      expectInvalid(() => svc.parse(cb, b64({ 'x:a': 'v'.repeat(5000) })), 'callback-var', /too long/);
      expectInvalid(() => svc.parse(cb, { table: 'users' }), 'callback-var');
      assert.deepEqual(svc.parse(cb, b64({ 'x:a': '1', 'x:b': '' })).vars, { 'x:a': '1', 'x:b': '' });
    });

    it('refusePrivateAddresses: loopback/private hosts are refused like production OSS', () => {
      const strict = new CallbackService({ publicKeyUrl: PUB_KEY_URL, refusePrivateAddresses: true });
      for (const url of ['http://127.0.0.1/cb', 'http://localhost:8080/', '10.1.2.3/cb', 'http://192.168.1.1/', 'http://172.20.0.1/', 'http://[::1]:80/', 'http://169.254.169.254/']) {
        expectInvalid(() => strict.parse(b64({ ...ok, callbackUrl: url }), undefined), 'callbackUrl', /^Private address is forbidden to callback\.$/);
      }
      // One private URL among several is enough to refuse.
      expectInvalid(() => strict.parse(b64({ ...ok, callbackUrl: 'http://8.8.8.8/;http://127.0.0.1/' }), undefined), 'callbackUrl');
      assert.equal(strict.parse(b64({ ...ok, callbackUrl: 'http://8.8.8.8/;https://example.com/' }), undefined).urls.length, 2);
      assert.equal(isPrivateHost('172.32.0.1'), false);
      assert.equal(isPrivateHost('[fd00::1]'), true);
      assert.equal(isPrivateHost(new URL('http://[::ffff:127.0.0.1]/').hostname), true);
      assert.equal(isPrivateHost(new URL('http://[::ffff:8.8.8.8]/').hostname), false);
      assert.equal(isPrivateHost('[2001:4860:4860::8888]'), false);
    });
  });
});

describe('CallbackService key persistence', () => {
  it('keeps the key pair in dataDir/callback-key.pem across instances', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oss-callback-key-'));
    try {
      const dataDir = join(dir, 'data');
      const first = new CallbackService({ publicKeyUrl: PUB_KEY_URL, dataDir });
      const pem = first.publicKeyPem;
      assert.ok(existsSync(join(dataDir, 'callback-key.pem')));
      const second = new CallbackService({ publicKeyUrl: PUB_KEY_URL, dataDir });
      assert.equal(second.publicKeyPem, pem);
      const elsewhere = new CallbackService({ publicKeyUrl: PUB_KEY_URL });
      assert.notEqual(elsewhere.publicKeyPem, pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

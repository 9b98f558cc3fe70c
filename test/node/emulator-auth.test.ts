// Refusals: the emulator checks signatures, time, tokens, policies and CORS as OSS does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signHeaderV1, signHeaderV4 } from '../../src/signing/index.js';
import { bytes, client, codeOf, emulator, field, OSS, raw, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

describe('authentication', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  for (const v4 of [false, true]) {
    // The StringToSign / CanonicalRequest the refusal reports, against ali-oss's signer: emulator-auth-signatures.test.ts.
    test(`a wrong secret in ali-oss's client gives 403 SignatureDoesNotMatch, and nothing is stored (${v4 ? 'V4' : 'V1'})`, async () => {
      const oss = client(emu, { accessKeySecret: 'not-the-secret', authorizationV4: v4 });
      const err = await rejection(oss.put(`wrong-secret-${v4}.txt`, Buffer.from('x')));
      assert.equal(err.status, 403);
      assert.equal(err.code, 'SignatureDoesNotMatch');
      assert.equal((await rejection(client(emu).head(`wrong-secret-${v4}.txt`))).status, 404);
    });

    test(`an unknown AccessKeyId gives InvalidAccessKeyId (${v4 ? 'V4' : 'V1'})`, async () => {
      const err = await rejection(client(emu, { accessKeyId: 'LTAInobody', authorizationV4: v4 }).put('x.txt', Buffer.from('x')));
      assert.equal(err.status, 403);
      assert.equal(err.code, 'InvalidAccessKeyId');
    });
  }

  test('the SignatureDoesNotMatch body carries StringToSign and its bytes', async () => {
    const headers = await signHeaderV1({ method: 'GET', bucket: 'demo', key: 'a.txt' }, { accessKeyId: emu.accessKeyId, accessKeySecret: 'wrong' });
    const r = await raw({ port: emu.port, path: '/demo/a.txt', headers });
    const body = r.body.toString();
    assert.equal(r.status, 403);
    assert.equal(codeOf(body), 'SignatureDoesNotMatch');
    assert.equal(field(body, 'StringToSign'), `GET\n\n\n${headers['x-oss-date']}\nx-oss-date:${headers['x-oss-date']}\n/demo/a.txt`);
    assert.match(field(body, 'StringToSignBytes') ?? '', /^47 45 54 0A/);
    assert.match(field(body, 'RequestId') ?? '', /^[0-9A-F]{24}$/);
    assert.equal(r.headers['x-oss-request-id'], field(body, 'RequestId'));
    assert.ok(r.headers['x-oss-ec']);
  });

  for (const v4 of [false, true]) {
    test(`more than 15 minutes of skew gives RequestTimeTooSkewed (${v4 ? 'V4' : 'V1'})`, async () => {
      const creds = { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret };
      const past = new Date(Date.now() - 16 * 60 * 1000);
      const headers = v4
        ? await signHeaderV4({ method: 'GET', bucket: 'demo', key: 'a.txt' }, creds, emu.region, past)
        : await signHeaderV1({ method: 'GET', bucket: 'demo', key: 'a.txt' }, creds, past);
      const r = await raw({ port: emu.port, path: '/demo/a.txt', headers });
      const body = r.body.toString();
      assert.equal(r.status, 403);
      assert.equal(codeOf(body), 'RequestTimeTooSkewed');
      assert.equal(field(body, 'MaxAllowedSkewMilliseconds'), '900000');
      assert.ok(field(body, 'ServerTime'));
    });
  }

  test('no signature at all is AccessDenied; a malformed Authorization is InvalidArgument', async () => {
    const anon = await fetch(`${emu.url}/demo/a.txt`);
    assert.equal(anon.status, 403);
    assert.equal(codeOf(await anon.text()), 'AccessDenied');
    const bad = await fetch(`${emu.url}/demo/a.txt`, { headers: { authorization: 'Bearer x' } });
    assert.equal(bad.status, 400);
    assert.equal(codeOf(await bad.text()), 'InvalidArgument');
  });

  test('an expired presigned URL is AccessDenied', async () => {
    const oss = client(emu);
    await oss.put('soon.txt', Buffer.from('x'));
    const url = oss.signatureUrl('soon.txt', { expires: -10 } as never);
    const r = await fetch(url);
    assert.equal(r.status, 403);
    const body = await r.text();
    assert.equal(codeOf(body), 'AccessDenied');
    assert.match(body, /expired/);
  });

  test('PostObject forms signed by ali-oss: V1 and V4 accepted; tampered, expired, starts-with and size refusals', async () => {
    const oss = client(emu);
    const expiration = new Date(Date.now() + 60_000).toISOString();
    const post = (fields: Record<string, string>, file: Uint8Array = Buffer.from('form body')) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(file)]), 'file.txt');
      return fetch(`${emu.url}/demo`, { method: 'POST', body: form });
    };
    const v1Policy = { expiration, conditions: [['starts-with', '$key', 'forms/'], ['content-length-range', 1, 100]] };
    const v1 = oss.calculatePostSignature(v1Policy as never) as unknown as { OSSAccessKeyId: string; Signature: string; policy: string };
    const okV1 = await post({ key: 'forms/v1.txt', success_action_status: '200', ...v1 });
    assert.equal(okV1.status, 200, await okV1.clone().text());
    assert.equal((await oss.get('forms/v1.txt')).content.toString(), 'form body');

    const now = new Date();
    const date = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const credential = `${emu.accessKeyId}/${date.slice(0, 8)}/${emu.region}/oss/aliyun_v4_request`;
    const v4Policy = {
      expiration,
      conditions: [
        { bucket: 'demo' }, { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': credential }, { 'x-oss-date': date },
        ['starts-with', '$key', 'forms/'], ['content-length-range', 1, 100],
      ],
    };
    const policyV4 = Buffer.from(JSON.stringify(v4Policy)).toString('base64');
    const signature = (oss as unknown as { signPostObjectPolicyV4(p: object, d: Date): string }).signPostObjectPolicyV4(v4Policy, now);
    const v4Fields = { policy: policyV4, 'x-oss-signature-version': 'OSS4-HMAC-SHA256', 'x-oss-credential': credential, 'x-oss-date': date, 'x-oss-signature': signature };
    const okV4 = await post({ key: 'forms/v4.txt', success_action_status: '201', ...v4Fields });
    assert.equal(okV4.status, 201, await okV4.clone().text());
    assert.equal(field(await okV4.text(), 'Key'), 'forms/v4.txt');

    const tampered = Buffer.from(JSON.stringify({ ...v1Policy, conditions: [['content-length-range', 1, 100]] })).toString('base64');
    const r1 = await post({ key: 'forms/t.txt', ...v1, policy: tampered });
    assert.equal(r1.status, 403);
    assert.equal(codeOf(await r1.text()), 'SignatureDoesNotMatch');

    const old = { expiration: new Date(Date.now() - 1000).toISOString(), conditions: [['starts-with', '$key', 'forms/']] };
    const r2 = await post({ key: 'forms/old.txt', ...(oss.calculatePostSignature(old as never) as unknown as Record<string, string>) });
    assert.equal(r2.status, 403);
    assert.match(await r2.text(), /Policy expired/);

    const r3 = await post({ key: 'elsewhere/x.txt', ...v1 });
    assert.equal(r3.status, 403);
    assert.match(await r3.text(), /Policy Condition failed/);

    const r4 = await post({ key: 'forms/big.txt', ...v1 }, bytes(101));
    assert.equal(r4.status, 400);
    assert.equal(codeOf(await r4.text()), 'EntityTooLarge');
    assert.equal((await rejection(oss.head('forms/big.txt'))).status, 404);
  });
});

describe('CORS', () => {
  test('preflight: an allowed origin gets the rule; another gets 403 AccessForbidden', async () => {
    const emu = await emulator({ corsOrigins: ['http://app.example'] });
    try {
      const ok = await fetch(`${emu.url}/demo/a.txt`, { method: 'OPTIONS', headers: {
        origin: 'http://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-oss-date,content-type',
      } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example');
      assert.match(ok.headers.get('access-control-allow-methods')!, /PUT/);
      assert.match(ok.headers.get('access-control-allow-headers')!, /x-oss-date/);
      assert.match(ok.headers.get('access-control-expose-headers')!, /ETag/);
      assert.match(ok.headers.get('access-control-expose-headers')!, /x-oss-request-id/);
      assert.match(ok.headers.get('access-control-expose-headers')!, /x-oss-hash-crc64ecma/);
      const no = await fetch(`${emu.url}/demo/a.txt`, { method: 'OPTIONS', headers: {
        origin: 'http://evil.example', 'access-control-request-method': 'PUT',
      } });
      assert.equal(no.status, 403);
      assert.equal(codeOf(await no.text()), 'AccessForbidden');
      assert.equal(no.headers.get('access-control-allow-origin'), null);
    } finally {
      await emu.close();
    }
  });

  test('exposeEtag: false leaves ETag out of the exposed headers', async () => {
    const emu = await emulator({ exposeEtag: false });
    try {
      const r = await fetch(`${emu.url}/demo/a.txt`, { method: 'OPTIONS', headers: { origin: 'http://x.example', 'access-control-request-method': 'PUT' } });
      assert.equal(r.status, 200);
      assert.doesNotMatch(r.headers.get('access-control-expose-headers')!, /ETag/);
    } finally {
      await emu.close();
    }
  });
});

describe('bad input', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  test('an unknown sub-resource is a 4xx OSS error', async () => {
    const headers = await signHeaderV1({ method: 'GET', bucket: 'demo', key: 'a.txt', query: [['acl', '']] }, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    const r = await raw({ port: emu.port, path: '/demo/a.txt?acl', headers });
    assert.ok(r.status >= 400 && r.status < 500, String(r.status));
    assert.ok(codeOf(r.body.toString()));
  });

  test('a huge header gets 400 with an OSS body, and the emulator keeps serving', async () => {
    const r = await raw({ port: emu.port, path: '/demo/a.txt', headers: { 'x-oss-meta-big': 'x'.repeat(40_000) } });
    assert.equal(r.status, 400);
    assert.ok(codeOf(r.body.toString()));
    const again = await fetch(`${emu.url}/demo/a.txt`);
    assert.equal(again.status, 403);
  });

  test('a body cut short stores nothing, and the emulator keeps serving', async () => {
    const oss = client(emu);
    const headers = await signHeaderV1({ method: 'PUT', bucket: 'demo', key: 'cut.bin', headers: { 'content-length': '100000' } },
      { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    await new Promise<void>((resolve) => {
      const req = (require_http()).request({ host: '127.0.0.1', port: emu.port, method: 'PUT', path: '/demo/cut.bin', headers });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(Buffer.alloc(1000));
      setTimeout(() => { req.destroy(); resolve(); }, 100);
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await rejection(oss.head('cut.bin'))).status, 404);
    await oss.put('after.txt', Buffer.from('still here'));
    assert.equal((await oss.get('after.txt')).content.toString(), 'still here');
  });

  test('every response carries x-oss-request-id', async () => {
    for (const r of [await fetch(`${emu.url}/demo/a.txt`), await fetch(`${emu.url}/nobucket/a.txt`), await fetch(`${emu.url}/_emulator/objects`)]) {
      assert.match(r.headers.get('x-oss-request-id') ?? '', /^[0-9A-F]{24}$/);
    }
  });
});

describe('fault injection', () => {
  test('a seeded failure rate answers 500 InternalError; drop closes the connection; settable over HTTP', async () => {
    const emu = await emulator();
    try {
      const oss = client(emu);
      emu.setFaults({ seed: 7, failures: [{ op: 'PutObject', rate: 1, count: 1 }] });
      const err = await rejection(oss.put('f.txt', Buffer.from('x')));
      assert.equal(err.status, 500);
      assert.equal(err.code, 'InternalError');
      await oss.put('f.txt', Buffer.from('x'));
      const set = await fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify({ failures: [{ op: 'GetObject', rate: 1, kind: 'drop', count: 1 }] }) });
      assert.equal(set.status, 200);
      const dropped = await rejection(oss.get('f.txt'));
      assert.ok(dropped.status === -1 || /socket|ECONNRESET|closed/i.test(String(dropped.message)), String(dropped.message));
      assert.equal((await oss.get('f.txt')).content.toString(), 'x');
      const log = emu.requests();
      assert.ok(log.some((e) => e.op === 'PutObject' && e.fault === 'error'));
      assert.ok(log.some((e) => e.op === 'GetObject' && e.fault === 'drop'));
      const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify({ failures: [{ op: 1 }] }) });
      assert.equal(bad.status, 400);
    } finally {
      await emu.close();
    }
  });

  test('bandwidth caps how fast a body is read', async () => {
    const emu = await emulator({ faults: { bandwidth: 200_000 } });
    try {
      const started = Date.now();
      await client(emu).put('slow.bin', bytes(100_000));
      assert.ok(Date.now() - started >= 400, `took ${Date.now() - started} ms`);
    } finally {
      await emu.close();
    }
  });

  test('the read-only view lists objects and open uploads', async () => {
    const emu = await emulator();
    try {
      const oss = client(emu);
      await oss.put('v/a.txt', Buffer.from('a'));
      const { uploadId } = await oss.initMultipartUpload('v/b.bin');
      await oss.uploadPart('v/b.bin', uploadId, 1, bytes(10), 0, 10);
      const objects = await (await fetch(`${emu.url}/_emulator/objects?bucket=demo`)).json() as Array<{ key: string; size: number }>;
      assert.deepEqual(objects.map((o) => [o.key, o.size]), [['v/a.txt', 1]]);
      const uploads = await (await fetch(`${emu.url}/_emulator/uploads`)).json() as Array<{ key: string; uploadId: string; parts: unknown[] }>;
      assert.deepEqual(uploads.map((u) => [u.key, u.uploadId, u.parts.length]), [['v/b.bin', uploadId, 1]]);
    } finally {
      await emu.close();
    }
  });
});

function require_http() {
  return httpModule;
}
import httpModule from 'node:http';
void OSS;

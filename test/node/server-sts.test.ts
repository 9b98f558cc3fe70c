// oss-upload/server's sts handler, end to end: AssumeRole against the emulator's /_sts through
// ali-oss's STS class, served over node:http, and the credentials it hands out used by ali-oss
// (an independent client) against the emulator: inside the granted prefix, and refused outside.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createStsHandler, HttpError, sessionNameOf, toNodeListener, uploadPolicy, type StsAnswer, type StsHandlerOptions,
} from '../../src/server/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { bytes, client, emulator, rejection } from './support/emulator.js';

const ROLE = 'acs:ram::1234567890123456:role/uploader';

describe('sts handler', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator({ stsMinDurationSeconds: 1 }); });
  after(() => emu.close());

  const options = (extra: Partial<StsHandlerOptions> = {}): StsHandlerOptions => ({
    accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, roleArn: ROLE,
    bucket: emu.buckets[0]!, region: emu.region, endpoint: `http://localhost:${emu.port}`, stsEndpoint: `${emu.url}/_sts`,
    ...extra,
  });

  async function ask(handler: (r: Request) => Promise<Response>, query = ''): Promise<{ status: number; body: StsAnswer & { code?: string; message?: string } }> {
    const response = await handler(new Request(`http://app.test/sts${query}`));
    return { status: response.status, body: await response.json() as StsAnswer & { code?: string; message?: string } };
  }

  test('answers temporary credentials that ali-oss can upload with, only under the granted prefix', async () => {
    const handler = createStsHandler(options({ prefix: 'uploads/user-42' }));
    // Served over HTTP as an app would mount it.
    const server = createServer(toNodeListener(handler));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/sts?name=a.bin&size=10`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const c = await response.json() as StsAnswer;
      assert.deepEqual(Object.keys(c).sort(), ['accessKeyId', 'accessKeySecret', 'bucket', 'dir', 'endpoint', 'expiration', 'region', 'stsToken']);
      assert.match(c.accessKeyId, /^STS\./);
      assert.equal(c.dir, 'uploads/user-42/');
      assert.equal(c.bucket, emu.buckets[0]);
      assert.equal(c.region, emu.region);
      // 900 s by default.
      const lifetime = Date.parse(c.expiration) - Date.now();
      assert.ok(lifetime > 890_000 && lifetime < 901_000, `lifetime ${lifetime}`); // rounded up to a whole second

      const oss = client(emu, { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.stsToken, authorizationV4: true });
      const body = bytes(250 * 1024);
      await oss.multipartUpload(`${c.dir}in.bin`, body, { partSize: 100 * 1024, parallel: 2 });
      const objects = await (await fetch(`${emu.url}/_emulator/objects?prefix=${c.dir}`)).json() as Array<{ key: string; size: number }>;
      assert.deepEqual(objects.map((o) => [o.key, o.size]), [[`${c.dir}in.bin`, body.length]]);

      for (const key of ['uploads/user-43/x.bin', 'uploads/user-42x.bin', 'elsewhere.bin']) {
        const err = await rejection(oss.put(key, Buffer.from('no')));
        assert.equal(err.status, 403, key);
        assert.equal(err.code, 'AccessDenied', key);
      }
      // Only the upload actions: no reads, no deletes.
      assert.equal((await rejection(oss.get(`${c.dir}in.bin`))).code, 'AccessDenied');
      assert.equal((await rejection(oss.delete(`${c.dir}in.bin`))).code, 'AccessDenied');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('the inline policy allows the upload actions on bucket/prefix*', () => {
    assert.deepEqual(JSON.parse(uploadPolicy('demo', 'uploads/u1/')), {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], Resource: ['acs:oss:*:*:demo/uploads/u1/*'] }],
    });
  });

  test('a session name per user, from the prefix or a function', async () => {
    assert.equal(sessionNameOf('uploads/user-42/'), 'uploads.user-42');
    assert.equal(sessionNameOf('/'), 'oss-upload');
    assert.ok(sessionNameOf('a'.repeat(50) + '/user-1/').length <= 32);
    const seen: Array<{ sessionName: string; durationSeconds: number; policy: string }> = [];
    const handler = createStsHandler(options({
      prefix: (request) => `users/${new URL(request.url).searchParams.get('user')}`,
      sessionName: (_request, dir) => `web-${dir}`,
      durationSeconds: 1200,
      assumeRole: async (r) => {
        seen.push(r);
        return { AccessKeyId: 'STS.x', AccessKeySecret: 's', SecurityToken: 't', Expiration: new Date(Date.now() + 1_200_000).toISOString() };
      },
    }));
    const { status, body } = await ask(handler, '?user=ann');
    assert.equal(status, 200);
    assert.equal(body.dir, 'users/ann/');
    assert.deepEqual(seen.map((s) => [s.sessionName, s.durationSeconds]), [['web-users.ann', 1200]]);
    assert.equal(JSON.parse(seen[0]!.policy).Statement[0].Resource[0], `acs:oss:*:*:${emu.buckets[0]}/users/ann/*`);
  });

  test('a proposed dir follows the allow-list rule of the sign handler', async () => {
    const handler = createStsHandler(options({ allowedDirs: ['images'] }));
    const ok = await ask(handler, '?dir=images');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.dir, 'uploads/images/');
    const refused = await ask(handler, '?dir=secret');
    assert.deepEqual([refused.status, refused.body.code], [403, 'DirNotAllowed']);
    const bad = await ask(handler, '?dir=../x');
    assert.deepEqual([bad.status, bad.body.code], [400, 'InvalidDir']);
    const posted = await handler(new Request('http://app.test/sts', { method: 'POST', body: JSON.stringify({ dir: 'images' }) }));
    assert.equal(((await posted.json()) as StsAnswer).dir, 'uploads/images/');
    assert.equal((await handler(new Request('http://app.test/sts', { method: 'PUT' }))).status, 405);
  });

  test('a prefix function may refuse the visitor', async () => {
    const handler = createStsHandler(options({ prefix: () => { throw new HttpError(401, 'Unauthorized', 'Sign in first.'); } }));
    const { status, body } = await ask(handler);
    assert.deepEqual([status, body.code, body.message], [401, 'Unauthorized', 'Sign in first.']);
  });

  test('STS refusing gives 503 CredentialsUnavailable, without STS\'s words', async () => {
    const errors: unknown[] = [];
    const handler = createStsHandler(options({ accessKeySecret: 'wrong', onError: (e) => errors.push(e) }));
    const { status, body } = await ask(handler);
    assert.deepEqual([status, body.code], [503, 'CredentialsUnavailable']);
    assert.doesNotMatch(body.message ?? '', /Signature/);
    assert.match(String((errors[0] as Error).message), /SignatureDoesNotMatch/);
  });

  test('short durations work against the emulator (for the expiry tests), and tokens do expire', async () => {
    const handler = createStsHandler(options({ durationSeconds: 1 }));
    const { body: c } = await ask(handler);
    const oss = client(emu, { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.stsToken, authorizationV4: true });
    await oss.put(`${c.dir}early.txt`, Buffer.from('x'));
    // Until the expiration the answer gives (whole seconds, rounded up), not a guessed sleep.
    await new Promise((r) => setTimeout(r, Date.parse(c.expiration) - Date.now() + 50));
    assert.equal((await rejection(oss.put(`${c.dir}late.txt`, Buffer.from('x')))).code, 'SecurityTokenExpired');
  });

  test('bad options are refused at creation', () => {
    assert.throws(() => createStsHandler(options({ roleArn: 'uploader' })), /roleArn/);
    assert.throws(() => createStsHandler(options({ bucket: 'Bad_Bucket' })), /bucket/);
    assert.throws(() => createStsHandler(options({ durationSeconds: 0 })), /durationSeconds/);
    assert.throws(() => createStsHandler(options({ prefix: '../x' })), /prefix/);
    assert.throws(() => createStsHandler({ ...options(), accessKeyId: undefined }), /accessKeyId/);
  });
});

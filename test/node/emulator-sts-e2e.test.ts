// STS credentials from the emulator's /_sts, obtained and used by ali-oss.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, client, emulator, OSS, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const KB = 1024;
const policy = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], Resource: ['acs:oss:*:*:demo/user-1/*'] }],
};

describe('STS credentials through ali-oss', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator({ stsMinDurationSeconds: 1 }); });
  after(() => emu.close());

  async function assume(seconds = 900) {
    const sts = new OSS.STS({ accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: `${emu.url}/_sts` } as never);
    const { credentials } = await sts.assumeRole('acs:ram::1234567890:role/uploader', policy, seconds, 'user-1');
    return credentials as unknown as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  }

  for (const v4 of [false, true]) {
    test(`multipartUpload with STS credentials inside the policy's prefix (${v4 ? 'V4' : 'V1'})`, async () => {
      const c = await assume();
      assert.match(c.AccessKeyId, /^STS\./);
      const oss = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken, authorizationV4: v4 });
      const body = bytes(3 * 100 * KB + 7);
      await oss.multipartUpload(`user-1/${v4 ? 'v4' : 'v1'}.bin`, body, { partSize: 100 * KB, parallel: 2 });
      assert.ok(Buffer.from((await oss.get(`user-1/${v4 ? 'v4' : 'v1'}.bin`)).content).equals(body));

      const outside = await rejection(oss.put('user-2/x.txt', Buffer.from('no')));
      assert.equal(outside.status, 403);
      assert.equal(outside.code, 'AccessDenied');
      const notAllowed = await rejection(oss.delete(`user-1/${v4 ? 'v4' : 'v1'}.bin`));
      assert.equal(notAllowed.code, 'AccessDenied');
    });
  }

  test('a presigned URL made with STS credentials carries the token', async () => {
    const c = await assume();
    const oss = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken });
    await oss.put('user-1/link.txt', Buffer.from('linked'));
    const r = await fetch(oss.signatureUrl('user-1/link.txt', { expires: 60 }));
    assert.equal(await r.text(), 'linked');
    const r4 = await fetch(await oss.signatureUrlV4('GET', 60, undefined, 'user-1/link.txt'));
    assert.equal(await r4.text(), 'linked');
  });

  test('STS credentials without their token are refused', async () => {
    const c = await assume();
    const oss = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret });
    const err = await rejection(oss.put('user-1/x.txt', Buffer.from('x')));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'InvalidAccessKeyId');
    const other = await assume();
    const wrong = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: other.SecurityToken });
    assert.equal((await rejection(wrong.put('user-1/x.txt', Buffer.from('x')))).code, 'AccessKeyIdAndSecurityTokenNotMatch');
  });

  test('an expired token gives SecurityTokenExpired', async () => {
    const c = await assume(1);
    const oss = client(emu, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken });
    // Until the Expiration it was given, not a guessed sleep (it is rounded up to a whole second).
    await new Promise((r) => setTimeout(r, Date.parse(c.Expiration) - Date.now() + 50));
    const err = await rejection(oss.put('user-1/late.txt', Buffer.from('x')));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'SecurityTokenExpired');
  });

  test('a 1-second token is accepted for at least a second and until its Expiration, refused from then on (a held clock)', async () => {
    // The emulator's clock is held still, a quarter second past a whole second, so that rounding shows.
    let clock = Math.floor(Date.now() / 1000) * 1000 + 250;
    const held = await emulator({ stsMinDurationSeconds: 1, now: () => clock });
    try {
      const sts = new OSS.STS({ accessKeyId: held.accessKeyId, accessKeySecret: held.accessKeySecret, endpoint: `${held.url}/_sts` } as never);
      const issuedAt = clock;
      const { credentials } = await sts.assumeRole('acs:ram::1234567890:role/uploader', policy, 1, 'user-1');
      const c = credentials as unknown as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
      assert.match(c.Expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'STS\'s format: whole seconds, no milliseconds');
      const expires = Date.parse(c.Expiration);
      assert.equal(expires, issuedAt - 250 + 2000, c.Expiration);
      const oss = client(held, { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken });
      for (const at of [issuedAt + 999, expires - 1]) {
        clock = at;
        await oss.put('user-1/held.txt', Buffer.from(String(at)));
      }
      clock = expires;
      const err = await rejection(oss.put('user-1/held.txt', Buffer.from('late')));
      assert.equal(err.code, 'SecurityTokenExpired');
    } finally {
      await held.close();
    }
  });

  test('the real duration bounds hold by default', async () => {
    const strict = await emulator();
    try {
      const sts = new OSS.STS({ accessKeyId: strict.accessKeyId, accessKeySecret: strict.accessKeySecret, endpoint: `${strict.url}/_sts` } as never);
      const err = await rejection(sts.assumeRole('acs:ram::1:role/r', policy, 60, 's1'));
      assert.equal(err.code, 'InvalidParameter.DurationSeconds');
    } finally {
      await strict.close();
    }
  });
});

// The emulator's object operations, driven by ali-oss (an independent client that signs its own requests).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from '../../src/signing/crc64.js';
import { bytes, client, codeOf, emulator, OSS, raw, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const md5Etag = (b: Buffer) => `"${createHash('md5').update(b).digest('hex').toUpperCase()}"`;

for (const v4 of [false, true]) {
  describe(`objects through ali-oss, ${v4 ? 'V4' : 'V1'} signatures`, () => {
    let emu: RunningEmulator;
    before(async () => { emu = await emulator(); });
    after(() => emu.close());

    test('put, get, head, delete', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const body = bytes(12345);
      const put = await oss.put('dir/hello world ü#?%.bin', body, {
        mime: 'application/x-test',
        meta: { author: 'alice' } as never,
        headers: { 'Cache-Control': 'no-cache' },
      });
      assert.equal(put.res.status, 200);
      const headers = put.res.headers as Record<string, string>;
      assert.equal(headers['etag'], md5Etag(body));
      assert.equal(headers['x-oss-hash-crc64ecma'], crc64(body).toString());
      assert.match(headers['x-oss-request-id']!, /^[0-9A-F]{24}$/);

      const got = await oss.get('dir/hello world ü#?%.bin');
      assert.deepEqual(Buffer.from(got.content), body);
      const gh = got.res.headers as Record<string, string>;
      assert.equal(gh['content-type'], 'application/x-test');
      assert.equal(gh['x-oss-meta-author'], 'alice');
      assert.equal(gh['cache-control'], 'no-cache');

      const head = await oss.head('dir/hello world ü#?%.bin');
      assert.equal((head.res.headers as Record<string, string>)['content-length'], '12345');
      assert.deepEqual(head.meta, { author: 'alice' });

      await oss.delete('dir/hello world ü#?%.bin');
      const err = await rejection(oss.get('dir/hello world ü#?%.bin'));
      assert.equal(err.code, 'NoSuchKey');
      assert.equal(err.status, 404);
    });

    test('ranged get', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const body = bytes(1000);
      await oss.put('range.bin', body);
      const part = await oss.get('range.bin', { headers: { Range: 'bytes=100-199' } });
      assert.equal(part.res.status, 206);
      assert.deepEqual(Buffer.from(part.content), body.subarray(100, 200));
      const tail = await oss.get('range.bin', { headers: { Range: 'bytes=-10' } });
      assert.deepEqual(Buffer.from(tail.content), body.subarray(990));
      // OSS answers an unsatisfiable range with the whole object, unless asked for standard behaviour.
      const whole = await oss.get('range.bin', { headers: { Range: 'bytes=5000-' } });
      assert.equal(whole.res.status, 200);
      assert.equal(whole.content.length, 1000);
      const bad = await rejection(oss.get('range.bin', { headers: { Range: 'bytes=5000-', 'x-oss-range-behavior': 'standard' } }));
      assert.equal(bad.status, 416);
      assert.equal(bad.code, 'InvalidRange');
    });

    test('list (V1 and list-type=2) with prefix, delimiter and paging', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      for (const k of ['l/a.txt', 'l/b.txt', 'l/sub/c.txt', 'l/sub/d.txt', 'other.txt']) await oss.put(k, Buffer.from(k));
      const flat = await oss.list({ prefix: 'l/', 'max-keys': 10 }, {});
      assert.deepEqual(flat.objects.map((o) => o.name), ['l/a.txt', 'l/b.txt', 'l/sub/c.txt', 'l/sub/d.txt']);
      const nested = await oss.list({ prefix: 'l/', delimiter: '/', 'max-keys': 10 }, {});
      assert.deepEqual(nested.objects.map((o) => o.name), ['l/a.txt', 'l/b.txt']);
      assert.deepEqual(nested.prefixes, ['l/sub/']);
      const page1 = await oss.list({ prefix: 'l/', 'max-keys': 3 }, {});
      assert.equal(page1.isTruncated, true);
      const page2 = await oss.list({ prefix: 'l/', 'max-keys': 3, marker: page1.nextMarker! }, {});
      assert.deepEqual(page2.objects.map((o) => o.name), ['l/sub/d.txt']);
      const v2 = await oss.listV2({ prefix: 'l/', 'max-keys': '2' }, {});
      assert.deepEqual(v2.objects.map((o) => o.name), ['l/a.txt', 'l/b.txt']);
      assert.equal(v2.isTruncated, true);
      const v2b = await oss.listV2({ prefix: 'l/', 'max-keys': '2', 'continuation-token': v2.nextContinuationToken! }, {});
      assert.deepEqual(v2b.objects.map((o) => o.name), ['l/sub/c.txt', 'l/sub/d.txt']);
    });

    test('x-oss-forbid-overwrite is honoured', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      await oss.put('once.txt', Buffer.from('1'));
      const err = await rejection(oss.put('once.txt', Buffer.from('2'), { headers: { 'x-oss-forbid-overwrite': 'true' } }));
      assert.equal(err.code, 'FileAlreadyExists');
      assert.equal(err.status, 409);
      assert.equal((await oss.get('once.txt')).content.toString(), '1');
    });

    test('a wrong Content-MD5 stores nothing', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const err = await rejection(oss.put('md5.txt', Buffer.from('abc'), { headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==' } }));
      assert.equal(err.code, 'InvalidDigest');
      assert.equal((await rejection(oss.head('md5.txt'))).status, 404);
    });

    test('presigned GET URL', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      await oss.put('shared.txt', Buffer.from('shared'));
      const url = v4
        ? await oss.signatureUrlV4('GET', 60, undefined, 'shared.txt')
        : oss.signatureUrl('shared.txt', { expires: 60 });
      const ok = await fetch(url);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'shared');
      const tampered = await fetch(url.replace('shared.txt', 'shared.txt2'));
      assert.equal(tampered.status, 403);
      assert.equal(codeOf(await tampered.text()), 'SignatureDoesNotMatch');
    });
  });
}

describe('objects: storage', () => {
  test('objects survive a restart on the same data folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-restart-'));
    try {
      const first = await emulator({ dataDir: dir });
      const body = bytes(300_000);
      await client(first).put('keep/me.bin', body);
      await first.close();
      const second = await emulator({ dataDir: dir });
      try {
        const got = await client(second).get('keep/me.bin');
        assert.deepEqual(Buffer.from(got.content), body);
        const listed = await client(second).list({ prefix: 'keep/', 'max-keys': 10 }, {});
        assert.deepEqual(listed.objects.map((o) => o.name), ['keep/me.bin']);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('several buckets, and virtual-hosted addressing', async () => {
    const emu = await emulator({ buckets: ['one', 'two'] });
    try {
      await client(emu, { bucket: 'two' }).put('x.txt', Buffer.from('in two'));
      const missing = await rejection(client(emu, { bucket: 'one' }).get('x.txt'));
      assert.equal(missing.code, 'NoSuchKey');
      const nobucket = await rejection(client(emu, { bucket: 'three' }).get('x.txt'));
      assert.equal(nobucket.code, 'NoSuchBucket');
      // Virtual-hosted: the bucket is the first label of Host. ali-oss in cname mode signs /<bucket>/<key>
      // and sends the key alone in the path; Node does not resolve *.localhost, so connect to 127.0.0.1 with that Host.
      const vh = new OSS({
        endpoint: `http://two.localhost:${emu.port}`, cname: true, secure: false, bucket: 'two', region: `oss-${emu.region}`,
        accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret,
      });
      const url = new URL(await vh.signatureUrlV4('GET', 60, undefined, 'x.txt'));
      assert.equal(url.pathname, '/x.txt');
      const res = await raw({ port: emu.port, path: url.pathname + url.search, headers: { host: url.host } });
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'in two');
    } finally {
      await emu.close();
    }
  });
});

// Multipart uploads against the emulator, driven by ali-oss.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc64 } from '../../src/signing/crc64.js';
import { signHeaderV1 } from '../../src/signing/index.js';
import { bytes, client, codeOf, emulator, field, raw, rejection } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const KB = 1024;

for (const v4 of [false, true]) {
  describe(`multipart through ali-oss, ${v4 ? 'V4' : 'V1'} signatures`, () => {
    let emu: RunningEmulator;
    before(async () => { emu = await emulator(); });
    after(() => emu.close());

    test('multipartUpload of 4 parts arrives byte-exact, with a -N ETag and the combined CRC64', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const body = bytes(3 * 256 * KB + 1234);
      const progress: number[] = [];
      const result = await oss.multipartUpload('big/file.bin', body, {
        partSize: 256 * KB, parallel: 2, mime: 'video/mp4', progress: (p: number) => { progress.push(p); },
      });
      assert.equal(result.res.status, 200);
      assert.equal(progress.at(-1), 1);
      const head = await oss.head('big/file.bin');
      const h = head.res.headers as Record<string, string>;
      assert.match(h['etag']!, /^"[0-9A-F]{32}-4"$/);
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(body).toString());
      assert.equal(h['content-type'], 'video/mp4');
      assert.equal(h['x-oss-object-type'], 'Multipart');
      const got = await oss.get('big/file.bin');
      assert.ok(Buffer.from(got.content).equals(body));
      // S3's formula for the multipart ETag: MD5 of the concatenated binary part MD5s.
      const md5s = [0, 1, 2, 3].map((i) => createHash('md5').update(body.subarray(i * 256 * KB, (i + 1) * 256 * KB)).digest());
      assert.equal(h['etag'], `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex').toUpperCase()}-4"`);
    });

    test('init, parts, listParts, listUploads, abort', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const { uploadId } = await oss.initMultipartUpload('parts/a.bin');
      const data = bytes(200 * KB);
      const p1 = await oss.uploadPart('parts/a.bin', uploadId, 1, data, 0, 100 * KB);
      await oss.uploadPart('parts/a.bin', uploadId, 2, data, 100 * KB, 200 * KB);
      assert.match(p1.etag, /^"[0-9A-F]{32}"$/);
      const parts = await oss.listParts('parts/a.bin', uploadId, {} as never, {});
      assert.deepEqual(parts.parts.map((p: { PartNumber: string | number }) => Number(p.PartNumber)), [1, 2]);
      const uploads = await oss.listUploads({ prefix: 'parts/' }, {});
      assert.ok(uploads.uploads.some((u: { uploadId: string }) => u.uploadId === uploadId));
      await oss.abortMultipartUpload('parts/a.bin', uploadId);
      const gone = await rejection(oss.listParts('parts/a.bin', uploadId, {} as never, {}));
      assert.equal(gone.code, 'NoSuchUpload');
      assert.equal(gone.status, 404);
    });

    test('a part under 100 KB that is not the last fails at Complete with EntityTooSmall', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const { uploadId } = await oss.initMultipartUpload('small/parts.bin');
      const data = bytes(150 * KB);
      const a = await oss.uploadPart('small/parts.bin', uploadId, 1, data, 0, 50 * KB);
      const b = await oss.uploadPart('small/parts.bin', uploadId, 2, data, 50 * KB, 150 * KB);
      const err = await rejection(oss.completeMultipartUpload('small/parts.bin', uploadId, [
        { number: 1, etag: a.etag }, { number: 2, etag: b.etag },
      ]));
      assert.equal(err.code, 'EntityTooSmall');
      assert.equal(err.status, 400);
      // the upload stays open after a refused Complete, as on OSS
      const parts = await oss.listParts('small/parts.bin', uploadId, {} as never, {});
      assert.equal(parts.parts.length, 2);
    });

    test('a wrong ETag at Complete gives InvalidPart', async () => {
      const oss = client(emu, { authorizationV4: v4 });
      const { uploadId } = await oss.initMultipartUpload('wrong/etag.bin');
      await oss.uploadPart('wrong/etag.bin', uploadId, 1, bytes(10), 0, 10);
      const err = await rejection(oss.completeMultipartUpload('wrong/etag.bin', uploadId, [
        { number: 1, etag: '"00000000000000000000000000000000"' },
      ]));
      assert.equal(err.code, 'InvalidPart');
    });
  });
}

describe('multipart: what ali-oss would never send', () => {
  let emu: RunningEmulator;
  before(async () => { emu = await emulator(); });
  after(() => emu.close());

  async function complete(key: string, uploadId: string, xml: string) {
    const headers = await signHeaderV1(
      { method: 'POST', bucket: 'demo', key, query: [['uploadId', uploadId]], headers: { 'content-type': 'application/xml' } },
      { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    return raw({ port: emu.port, method: 'POST', path: `/demo/${key}?uploadId=${uploadId}`, headers, body: xml });
  }

  test('parts out of order give InvalidPartOrder; malformed XML gives MalformedXML; the emulator keeps serving', async () => {
    const oss = client(emu);
    const { uploadId } = await oss.initMultipartUpload('order.bin');
    const data = bytes(200 * KB);
    const a = await oss.uploadPart('order.bin', uploadId, 1, data, 0, 100 * KB);
    const b = await oss.uploadPart('order.bin', uploadId, 2, data, 100 * KB, 200 * KB);
    const swapped = `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${b.etag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${a.etag}</ETag></Part></CompleteMultipartUpload>`;
    const r1 = await complete('order.bin', uploadId, swapped);
    assert.equal(r1.status, 400);
    assert.equal(codeOf(r1.body.toString()), 'InvalidPartOrder');
    const r2 = await complete('order.bin', uploadId, '<CompleteMultipartUpload><Part><PartNumber>1</Part>');
    assert.equal(r2.status, 400);
    assert.equal(codeOf(r2.body.toString()), 'MalformedXML');
    // ETags unquoted and in lower case are accepted
    const ok = await complete('order.bin', uploadId, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${a.etag.replace(/"/g, '')}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${b.etag.toLowerCase()}</ETag></Part></CompleteMultipartUpload>`);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(field(ok.body.toString(), 'ETag') ?? '', /-2"$/);
  });

  test('an unknown upload id gives NoSuchUpload with the UploadId', async () => {
    const r = await complete('nothing.bin', 'DEADBEEF', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>');
    assert.equal(r.status, 404);
    assert.equal(codeOf(r.body.toString()), 'NoSuchUpload');
    assert.equal(field(r.body.toString(), 'UploadId'), 'DEADBEEF');
  });
});

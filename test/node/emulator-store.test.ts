// The emulator's storage of multipart objects: Complete moves no bytes, the object reads back whole and
// by Range across its part boundaries, after a restart too, and nothing outlives the object on disk.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from '../../src/signing/crc64.js';
import { bytes, client, emulator, type OSS } from './support/emulator.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const KB = 1024;
const MiB = 1024 * KB;

interface FileOnDisk { path: string; ino: number; size: number }

/** Every file under `dir`, with its inode; one removed while this looks is not counted. */
async function filesUnder(dir: string): Promise<FileOnDisk[]> {
  const out: FileOnDisk[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(path));
    else if (e.isFile()) {
      const s = await stat(path).catch(() => undefined);
      if (s) out.push({ path, ino: s.ino, size: s.size });
    }
  }
  return out;
}

/** Bytes the bucket's objects take on disk: each inode once (a hard link is not a second copy). */
async function objectBytes(emu: RunningEmulator): Promise<number> {
  const seen = new Map<number, number>();
  for (const f of await filesUnder(join(emu.dataDir, 'buckets', emu.buckets[0]!, 'objects'))) {
    if (!f.path.endsWith('.json')) seen.set(f.ino, f.size);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** Bytes this process has handed to write() so far (Linux), disk and sockets alike. */
async function bytesWritten(): Promise<number | undefined> {
  const io = await readFile('/proc/self/io', 'utf8').catch(() => undefined);
  const m = io && /^wchar: (\d+)$/m.exec(io);
  return m ? Number(m[1]) : undefined;
}

/** Uploads `body` in parts of the given sizes; Complete is left to the caller. */
async function uploadParts(oss: OSS, key: string, body: Buffer, sizes: number[]) {
  const { uploadId } = await oss.initMultipartUpload(key);
  const parts: Array<{ number: number; etag: string }> = [];
  let at = 0;
  for (const [i, size] of sizes.entries()) {
    const r = await oss.uploadPart(key, uploadId, i + 1, body, at, at + size);
    parts.push({ number: i + 1, etag: r.etag });
    at += size;
  }
  assert.equal(at, body.length);
  return { uploadId, parts };
}

async function multipart(oss: OSS, key: string, body: Buffer, sizes: number[]): Promise<void> {
  const { uploadId, parts } = await uploadParts(oss, key, body, sizes);
  await oss.completeMultipartUpload(key, uploadId, parts);
}

async function range(oss: OSS, key: string, spec: string): Promise<{ status: number; body: Buffer; contentRange: string }> {
  const r = await oss.get(key, { headers: { Range: `bytes=${spec}` } });
  return { status: r.res.status, body: Buffer.from(r.content), contentRange: (r.res.headers as Record<string, string>)['content-range']! };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'emu-store-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('emulator storage: multipart objects', () => {
  test('CompleteMultipartUpload moves no bytes: the object is made of the part files themselves (same inodes)', () => withDir(async (dir) => {
    const emu = await emulator({ dataDir: dir });
    try {
      const oss = client(emu);
      const sizes = [5 * MiB, 5 * MiB, 5 * MiB, 2 * MiB];
      const body = bytes(17 * MiB);
      const { uploadId, parts } = await uploadParts(oss, 'big/linked.bin', body, sizes);
      const large = async () => (await filesUnder(dir)).filter((f) => f.size >= MiB);
      const before = new Set((await large()).map((f) => f.ino));
      assert.equal(before.size, sizes.length, 'one file per part before Complete');

      const written0 = await bytesWritten();
      await oss.completeMultipartUpload('big/linked.bin', uploadId, parts);
      const written1 = await bytesWritten();

      const after = await large();
      for (const f of after) assert.ok(before.has(f.ino), `${f.path} (${f.size} B) is a new file: Complete copied bytes`);
      assert.equal(await objectBytes(emu), body.length, 'the object takes its size on disk, once');
      if (written0 !== undefined && written1 !== undefined) {
        assert.ok(written1 - written0 < MiB, `Complete wrote ${written1 - written0} B for a ${body.length} B object`);
      }
      const got = await oss.get('big/linked.bin');
      assert.ok(Buffer.from(got.content).equals(body));
      const h = (await oss.head('big/linked.bin')).res.headers as Record<string, string>;
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(body).toString());
      assert.match(h['etag']!, /^"[0-9A-F]{32}-4"$/);
    } finally {
      await emu.close();
    }
  }));

  test('after a restart on the same folder: GET byte-exact, Range within and across part boundaries', () => withDir(async (dir) => {
    const sizes = [200 * KB, 300 * KB, 150 * KB];
    const body = bytes(650 * KB);
    const [a, b] = [200 * KB, 500 * KB]; // where parts 2 and 3 start
    const first = await emulator({ dataDir: dir });
    let etag: string;
    try {
      await multipart(client(first), 'kept/parts.bin', body, sizes);
      etag = ((await client(first).head('kept/parts.bin')).res.headers as Record<string, string>)['etag']!;
    } finally {
      await first.close();
    }
    const second = await emulator({ dataDir: dir });
    try {
      const oss = client(second);
      const got = await oss.get('kept/parts.bin');
      assert.ok(Buffer.from(got.content).equals(body), 'whole object');
      const h = (await oss.head('kept/parts.bin')).res.headers as Record<string, string>;
      assert.equal(h['etag'], etag);
      assert.equal(h['x-oss-hash-crc64ecma'], crc64(body).toString());
      assert.equal(h['x-oss-object-type'], 'Multipart');
      const cases: Array<[string, number, number]> = [
        [`${a - 10}-${a + 9}`, a - 10, a + 9], // across 1|2
        [`${b - 1}-${b}`, b - 1, b], // the last byte of part 2 and the first of part 3
        [`${a}-${b - 1}`, a, b - 1], // exactly part 2
        [`${a + 5}-${a + 50}`, a + 5, a + 50], // inside part 2
        [`100-${body.length - 100}`, 100, body.length - 100], // all three
        ['0-0', 0, 0],
        [`${b + 7}-`, b + 7, body.length - 1], // open-ended, in the last part
        [`-${body.length - a + 3}`, a - 3, body.length - 1], // suffix reaching back into part 1
      ];
      for (const [spec, start, end] of cases) {
        const r = await range(oss, 'kept/parts.bin', spec);
        assert.equal(r.status, 206, spec);
        assert.equal(r.contentRange, `bytes ${start}-${end}/${body.length}`, spec);
        assert.ok(r.body.equals(body.subarray(start, end + 1)), `bytes=${spec}: ${r.body.length} B, not the object's ${end - start + 1}`);
      }
      const listed = await oss.list({ prefix: 'kept/', 'max-keys': 10 }, {});
      assert.deepEqual(listed.objects.map((o) => [o.name, o.size]), [['kept/parts.bin', body.length]]);
    } finally {
      await second.close();
    }
  }));

  test('overwrite and delete leave only the live object on disk, whichever way each version was stored', () => withDir(async (dir) => {
    const emu = await emulator({ dataDir: dir });
    try {
      const oss = client(emu);
      const key = 'swap/me.bin';
      const check = async (body: Buffer | undefined, what: string) => {
        assert.equal(await objectBytes(emu), body?.length ?? 0, `${what}: bytes on disk`);
        if (body) assert.ok(Buffer.from((await oss.get(key)).content).equals(body), `${what}: GET`);
      };
      const mp1 = bytes(300 * KB);
      await multipart(oss, key, mp1, [150 * KB, 150 * KB]);
      await check(mp1, 'multipart');
      const put = bytes(123 * KB);
      await oss.put(key, put);
      await check(put, 'PutObject over multipart');
      const mp2 = bytes(250 * KB);
      await multipart(oss, key, mp2, [120 * KB, 130 * KB]);
      await check(mp2, 'multipart over PutObject');
      const mp3 = bytes(410 * KB);
      await multipart(oss, key, mp3, [200 * KB, 200 * KB, 10 * KB]);
      await check(mp3, 'multipart over multipart');
      await oss.delete(key);
      await check(undefined, 'deleted');
      assert.deepEqual(await readdir(join(dir, 'buckets', emu.buckets[0]!, 'uploads')), [], 'no upload folder left');
    } finally {
      await emu.close();
    }
  }));

  test('a GET under way when the object is deleted or overwritten reads to the end the version it started', async () => {
    const emu = await emulator();
    try {
      const oss = client(emu);
      for (const then of ['delete', 'overwrite'] as const) {
        const key = `reading/${then}.bin`;
        const old = bytes(30 * MiB);
        await multipart(oss, key, old, [5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB]);
        const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get(oss.signatureUrl(key, { expires: 600 }), resolve).on('error', reject);
        });
        res.pause(); // the emulator has begun its answer; it waits on this reader now, with parts not yet opened
        await new Promise((r) => setTimeout(r, 200));
        const newer = bytes(200 * KB);
        if (then === 'delete') await oss.delete(key);
        else await multipart(oss, key, newer, [100 * KB, 100 * KB]);
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        assert.equal(res.statusCode, 200);
        assert.ok(Buffer.concat(chunks).equals(old), `${then}: the answer has the version the GET started with`);
        // The old version's files go once the read is over.
        const live = then === 'delete' ? 0 : newer.length;
        const deadline = Date.now() + 5000;
        while (await objectBytes(emu) !== live && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(await objectBytes(emu), live, `${then}: the old version's bytes are removed after the read`);
        if (then === 'overwrite') assert.ok(Buffer.from((await oss.get(key)).content).equals(newer));
      }
    } finally {
      await emu.close();
    }
  });

  test('on start, bytes no object names are removed, and an upload whose Complete was recorded stays closed', () => withDir(async (dir) => {
    const body = bytes(250 * KB);
    const first = await emulator({ dataDir: dir });
    const bucketDir = join(dir, 'buckets', first.buckets[0]!);
    let uploadFolder: string;
    try {
      const oss = client(first);
      const { uploadId, parts } = await uploadParts(oss, 'crash/complete.bin', body, [125 * KB, 125 * KB]);
      uploadFolder = join(bucketDir, 'uploads', uploadId);
      // A copy of the upload's folder, put back after Complete: as if the process stopped between
      // recording the object and removing the upload.
      await cp(uploadFolder, join(dir, 'upload-copy'), { recursive: true });
      await oss.completeMultipartUpload('crash/complete.bin', uploadId, parts);
    } finally {
      await first.close();
    }
    await cp(join(dir, 'upload-copy'), uploadFolder, { recursive: true });
    // What a Put or Complete stopped before its record leaves behind.
    const junk = ['a'.repeat(64) + '.data', 'b'.repeat(64) + '.0123456789abcdef'];
    await writeFile(join(bucketDir, 'objects', junk[0]!), bytes(10 * KB));
    await mkdir(join(bucketDir, 'objects', junk[1]!));
    await writeFile(join(bucketDir, 'objects', junk[1]!, 'part-00001.data'), bytes(10 * KB));

    const second = await emulator({ dataDir: dir });
    try {
      const oss = client(second);
      const left = await readdir(join(bucketDir, 'objects'));
      for (const j of junk) assert.ok(!left.includes(j), `${j} is still in the objects folder`);
      assert.deepEqual(await readdir(join(bucketDir, 'uploads')), [], 'the completed upload was removed');
      const uploads = await oss.listUploads({ prefix: 'crash/' }, {});
      assert.deepEqual(uploads.uploads, []);
      assert.ok(Buffer.from((await oss.get('crash/complete.bin')).content).equals(body));
      assert.equal(await objectBytes(second), body.length);
    } finally {
      await second.close();
    }
  }));
});

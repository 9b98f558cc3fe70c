// The emulator's storage: objects and multipart parts stream to files under the data folder, with
// MD5 and CRC-64 computed on the way; an in-memory index of metadata is rebuilt from disk on start.
//
// Layout under <data>/buckets/<bucket>/:
//   objects/<sha256(key)>.json            the object's record: ObjectMeta, and for a multipart object
//                                         `storage` (its part folder and part files, in order)
//   objects/<sha256(key)>.data            the bytes of an object stored in one piece (Put, PostObject)
//   objects/<sha256(key)>.<random>/       the part files of a multipart object: hard links to the
//                                         upload's parts, so CompleteMultipartUpload moves no bytes
//   uploads/<uploadId>/upload.json, part-NNNNN.{data,json}
// The record is the commit point: it is written to tmp/, fsynced and renamed into place; what no
// record names (a Complete or Put stopped half-way) is removed on start.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Crc64, crc64Combine } from '../signing/crc64.js';
import { errors, OssError } from './errors.js';
import type { ObjectMeta, PutOptions } from './types.js';

export const MIN_PART_SIZE = 102400;
export const MAX_PART_NUMBER = 10000;

export interface PartMeta {
  partNumber: number;
  etag: string;
  size: number;
  crc64: string;
  lastModified: string;
}

export interface UploadMeta {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  contentType: string;
  userMeta: Record<string, string>;
  headers: Record<string, string>;
}

export interface ListResult {
  objects: ObjectMeta[];
  prefixes: string[];
  isTruncated: boolean;
  /** The last key or prefix returned, where the next page starts after. */
  next?: string;
}

interface Written { size: number; md5: Buffer; crc64: string; file: string }

/** Where a multipart object's bytes are: a folder of part files, read one after the other. */
interface PartStorage {
  /** The folder's name, in the bucket's objects folder. */
  dir: string;
  /** The upload that made it: an upload folder left with this id had its Complete committed. */
  uploadId: string;
  parts: Array<{ file: string; size: number }>;
}

/** What the index holds per key: the metadata clients see, and (multipart objects) where the bytes are. */
interface Entry {
  meta: ObjectMeta;
  storage?: PartStorage;
  /** storage only: where each part starts in the object. */
  offsets?: number[];
}

const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, '').toUpperCase();
const fileName = (key: string) => createHash('sha256').update(key).digest('hex');
const partName = (partNumber: number) => `part-${String(partNumber).padStart(5, '0')}`;

function entryOf(meta: ObjectMeta, storage?: PartStorage): Entry {
  if (!storage) return { meta };
  let at = 0;
  const offsets = storage.parts.map((p) => (at += p.size) - p.size);
  return { meta, storage, offsets };
}

/** fsync of a folder, so that a rename or link in it is on disk; some platforms cannot open a folder. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // a folder that cannot be synced (Windows, some network file systems) keeps the rename's order only
  } finally {
    await handle.close();
  }
}

/** A hard link (no byte copied); a copy where the file system has none (FAT, some network shares). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw err;
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  }
}

export class ObjectStore {
  readonly #dir: string;
  readonly #index = new Map<string, Map<string, Entry>>();
  readonly #uploads = new Map<string, UploadMeta>();
  /** Per bucket and key: the commit that runs, so that the record on disk and the index agree on the last one. */
  readonly #commits = new Map<string, Promise<void>>();
  /** Part folders being read, and how many times: removed only once the last reader is done. */
  readonly #readers = new Map<string, number>();
  readonly #doomed = new Set<string>();

  constructor(dataDir: string) {
    this.#dir = dataDir;
  }

  /** Creates the buckets that do not exist yet and loads what the folder already holds. */
  async init(buckets: readonly string[]): Promise<void> {
    // What a previous process left half-written (it stopped mid-upload) is nobody's any more.
    await rm(join(this.#dir, 'tmp'), { recursive: true, force: true });
    await mkdir(join(this.#dir, 'tmp'), { recursive: true });
    await mkdir(join(this.#dir, 'buckets'), { recursive: true });
    for (const b of buckets) await mkdir(join(this.#dir, 'buckets', b, 'objects'), { recursive: true });
    for (const bucket of await readdir(join(this.#dir, 'buckets'))) {
      const objects = new Map<string, Entry>();
      this.#index.set(bucket, objects);
      const objDir = join(this.#dir, 'buckets', bucket, 'objects');
      const files = await readdir(objDir).catch(() => []);
      const named = new Set<string>();
      const completed = new Set<string>();
      for (const f of files) {
        if (!f.endsWith('.json')) continue;
        const { storage, ...meta } = JSON.parse(await readFile(join(objDir, f), 'utf8')) as ObjectMeta & { storage?: PartStorage };
        objects.set(meta.key, entryOf(meta, storage));
        named.add(f);
        if (storage) {
          named.add(storage.dir);
          completed.add(storage.uploadId);
        } else {
          named.add(f.replace(/\.json$/, '.data'));
        }
      }
      // Bytes no record names: a Put or Complete stopped before its record, or an old version not yet removed.
      for (const f of files) if (!named.has(f)) await rm(join(objDir, f), { recursive: true, force: true });
      const upDir = join(this.#dir, 'buckets', bucket, 'uploads');
      for (const id of await readdir(upDir).catch(() => [])) {
        // Stopped between Complete's record and the removal of its upload: the upload is over.
        if (completed.has(id)) {
          await rm(join(upDir, id), { recursive: true, force: true });
          continue;
        }
        const meta = await readFile(join(upDir, id, 'upload.json'), 'utf8').catch(() => undefined);
        if (meta) this.#uploads.set(id, JSON.parse(meta) as UploadMeta);
      }
    }
  }

  buckets(): string[] {
    return [...this.#index.keys()].sort();
  }

  hasBucket(bucket: string): boolean {
    return this.#index.has(bucket);
  }

  #bucket(bucket: string): Map<string, Entry> {
    const b = this.#index.get(bucket);
    if (!b) throw errors.noSuchBucket(bucket);
    return b;
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.#bucket(bucket).get(key)?.meta;
  }

  #objectsDir(bucket: string): string {
    return join(this.#dir, 'buckets', bucket, 'objects');
  }

  dataPath(bucket: string, key: string): string {
    return join(this.#objectsDir(bucket), fileName(key) + '.data');
  }

  /** Runs `fn` after every earlier commit of this key has finished. */
  async #serial<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${bucket}/${key}`;
    const run = (this.#commits.get(id) ?? Promise.resolve()).then(fn);
    const tail = run.then(() => undefined, () => undefined);
    this.#commits.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.#commits.get(id) === tail) this.#commits.delete(id);
    }
  }

  /** Writes the object's record atomically: a crash leaves the old record or the new one, never a torn one. */
  async #writeRecord(bucket: string, key: string, record: ObjectMeta & { storage?: PartStorage }, durable: boolean): Promise<void> {
    const tmp = join(this.#dir, 'tmp', randomBytes(12).toString('hex'));
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(JSON.stringify(record));
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, join(this.#objectsDir(bucket), fileName(key) + '.json'));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    if (durable) await syncDir(this.#objectsDir(bucket));
  }

  /** After `old` was replaced by `now` (or deleted): removes the bytes only `old` used. */
  async #discard(bucket: string, key: string, old: Entry | undefined, now: Entry | undefined): Promise<void> {
    if (!old) return;
    if (old.storage) return this.#release(join(this.#objectsDir(bucket), old.storage.dir));
    // A one-piece object's file is replaced by the rename of the next one-piece version.
    if (!now || now.storage) await rm(this.dataPath(bucket, key), { force: true });
  }

  /** Removes a part folder now, or when its last reader is done. */
  async #release(dir: string): Promise<void> {
    if (this.#readers.has(dir)) {
      this.#doomed.add(dir);
      return;
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** Streams `body` to a temporary file, hashing as it goes; enforces maxSize while reading. */
  async #write(body: Readable, opts: Pick<PutOptions, 'maxSize' | 'tooLarge' | 'contentMd5'>): Promise<Written> {
    const file = join(this.#dir, 'tmp', randomBytes(12).toString('hex'));
    const md5 = createHash('md5');
    const crc = new Crc64();
    let size = 0;
    const max = opts.maxSize ?? Infinity;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > max) return done(opts.tooLarge?.() ?? errors.entityTooLarge());
        md5.update(chunk);
        crc.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hasher, createWriteStream(file));
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    const digest = md5.digest();
    if (opts.contentMd5 !== undefined && opts.contentMd5 !== digest.toString('base64')) {
      await rm(file, { force: true });
      throw errors.invalidDigest();
    }
    return { size, md5: digest, crc64: crc.toString(), file };
  }

  /** Makes `meta` the key's object, its bytes in `file` (one piece) or in part files (`storage`). */
  async #commit(bucket: string, meta: ObjectMeta, data: { file: string } | { storage: PartStorage }, opts: PutOptions): Promise<ObjectMeta> {
    const objects = this.#bucket(bucket);
    const unused = () => ('file' in data ? rm(data.file, { force: true })
      : rm(join(this.#objectsDir(bucket), data.storage.dir), { recursive: true, force: true }));
    return this.#serial(bucket, meta.key, async () => {
      try {
        if (opts.forbidOverwrite && objects.has(meta.key)) throw errors.fileAlreadyExists();
        await opts.beforeCommit?.(meta);
      } catch (err) {
        await unused();
        throw err;
      }
      try {
        if ('file' in data) {
          await rename(data.file, this.dataPath(bucket, meta.key));
          await this.#writeRecord(bucket, meta.key, meta, false);
        } else {
          // Durable: the upload's folder goes right after, and with it the only other record of these bytes.
          await this.#writeRecord(bucket, meta.key, { ...meta, storage: data.storage }, true);
        }
      } catch (err) {
        await unused();
        throw err;
      }
      const entry = entryOf(meta, 'storage' in data ? data.storage : undefined);
      const old = objects.get(meta.key);
      objects.set(meta.key, entry);
      await this.#discard(bucket, meta.key, old, entry);
      return meta;
    });
  }

  async put(bucket: string, key: string, body: Readable, opts: PutOptions = {}): Promise<ObjectMeta> {
    this.#bucket(bucket);
    if (opts.forbidOverwrite && this.head(bucket, key)) throw errors.fileAlreadyExists();
    const w = await this.#write(body, opts);
    return this.#commit(bucket, {
      key,
      size: w.size,
      etag: `"${w.md5.toString('hex').toUpperCase()}"`,
      crc64: w.crc64,
      contentType: opts.contentType || 'application/octet-stream',
      lastModified: new Date().toISOString(),
      userMeta: opts.userMeta ?? {},
      headers: opts.headers ?? {},
    }, { file: w.file }, opts);
  }

  async delete(bucket: string, key: string): Promise<void> {
    const objects = this.#bucket(bucket);
    if (!objects.has(key)) return;
    await this.#serial(bucket, key, async () => {
      const old = objects.get(key);
      if (!objects.delete(key)) return;
      await rm(join(this.#objectsDir(bucket), fileName(key) + '.json'), { force: true });
      await this.#discard(bucket, key, old, undefined);
    });
  }

  /** A read stream of the object's bytes, `end` inclusive; a multipart object's run across its part files. */
  read(bucket: string, key: string, range?: { start: number; end: number }): Readable {
    const entry = this.#bucket(bucket).get(key);
    if (!entry?.storage) return createReadStream(this.dataPath(bucket, key), range);
    const { storage, offsets } = entry;
    const dir = join(this.#objectsDir(bucket), storage.dir);
    const start = range?.start ?? 0;
    const end = range?.end ?? entry.meta.size - 1;
    async function* bytes(): AsyncGenerator<Buffer> {
      for (let i = 0; i < storage.parts.length; i++) {
        const at = offsets![i]!;
        const part = storage.parts[i]!;
        if (at > end) return;
        if (at + part.size <= start || part.size === 0) continue;
        yield* createReadStream(join(dir, part.file), { start: Math.max(start - at, 0), end: Math.min(end - at, part.size - 1) });
      }
    }
    // An overwrite or delete during the read leaves this folder in place until the read is over.
    this.#readers.set(dir, (this.#readers.get(dir) ?? 0) + 1);
    const stream = Readable.from(bytes(), { objectMode: false });
    stream.once('close', () => {
      const left = this.#readers.get(dir)! - 1;
      if (left > 0) return void this.#readers.set(dir, left);
      this.#readers.delete(dir);
      if (this.#doomed.delete(dir)) void rm(dir, { recursive: true, force: true }).catch(() => undefined);
    });
    return stream;
  }

  list(bucket: string, opts: { prefix?: string; delimiter?: string; after?: string; maxKeys: number }): ListResult {
    const prefix = opts.prefix ?? '';
    const keys = [...this.#bucket(bucket).keys()].filter((k) => k.startsWith(prefix)).sort();
    const objects: ObjectMeta[] = [];
    const prefixes: string[] = [];
    let next: string | undefined;
    for (const key of keys) {
      if (opts.after !== undefined && key <= opts.after) continue;
      let entry: string = key;
      if (opts.delimiter) {
        const i = key.indexOf(opts.delimiter, prefix.length);
        if (i >= 0) {
          entry = key.slice(0, i + opts.delimiter.length);
          if (entry === prefixes[prefixes.length - 1]) continue;
          if (opts.after !== undefined && entry <= opts.after) continue;
        }
      }
      if (objects.length + prefixes.length >= opts.maxKeys) return { objects, prefixes, isTruncated: true, next };
      if (entry === key) objects.push(this.#bucket(bucket).get(key)!.meta);
      else prefixes.push(entry);
      next = entry;
    }
    return { objects, prefixes, isTruncated: false };
  }

  // ---- multipart ----

  #uploadDir(bucket: string, uploadId: string): string {
    return join(this.#dir, 'buckets', bucket, 'uploads', uploadId);
  }

  async initiate(bucket: string, key: string, opts: Pick<PutOptions, 'contentType' | 'userMeta' | 'headers'>): Promise<UploadMeta> {
    this.#bucket(bucket);
    const uploadId = randomBytes(16).toString('hex').toUpperCase();
    const meta: UploadMeta = {
      uploadId, bucket, key, initiated: new Date().toISOString(),
      contentType: opts.contentType || 'application/octet-stream', userMeta: opts.userMeta ?? {}, headers: opts.headers ?? {},
    };
    await mkdir(this.#uploadDir(bucket, uploadId), { recursive: true });
    await writeFile(join(this.#uploadDir(bucket, uploadId), 'upload.json'), JSON.stringify(meta));
    this.#uploads.set(uploadId, meta);
    return meta;
  }

  /** The upload, if it exists for this bucket and key. */
  upload(bucket: string, key: string, uploadId: string): UploadMeta {
    const u = this.#uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw errors.noSuchUpload(uploadId);
    return u;
  }

  uploads(bucket?: string): UploadMeta[] {
    return [...this.#uploads.values()].filter((u) => bucket === undefined || u.bucket === bucket)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
  }

  async putPart(u: UploadMeta, partNumber: number, body: Readable, opts: Pick<PutOptions, 'contentMd5'> = {}): Promise<PartMeta> {
    const w = await this.#write(body, { ...opts, maxSize: 5 * 1024 ** 3 });
    if (!this.#uploads.has(u.uploadId)) {
      await rm(w.file, { force: true });
      throw errors.noSuchUpload(u.uploadId);
    }
    const part: PartMeta = {
      partNumber, etag: `"${w.md5.toString('hex').toUpperCase()}"`, size: w.size, crc64: w.crc64,
      lastModified: new Date().toISOString(),
    };
    const base = join(this.#uploadDir(u.bucket, u.uploadId), partName(partNumber));
    try {
      await rename(w.file, base + '.data');
      await writeFile(base + '.json', JSON.stringify(part));
    } catch (err) {
      await rm(w.file, { force: true });
      // Aborted while the part was arriving: its folder is gone.
      if (!this.#uploads.has(u.uploadId)) throw errors.noSuchUpload(u.uploadId);
      throw err;
    }
    return part;
  }

  async parts(u: UploadMeta): Promise<PartMeta[]> {
    const dir = this.#uploadDir(u.bucket, u.uploadId);
    const files = (await readdir(dir).catch(() => [])).filter((f) => /^part-\d{5}\.json$/.test(f)).sort();
    const parts: PartMeta[] = [];
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8').catch(() => undefined);
      if (text) parts.push(JSON.parse(text) as PartMeta);
    }
    return parts;
  }

  async abort(u: UploadMeta): Promise<void> {
    this.#uploads.delete(u.uploadId);
    await rm(this.#uploadDir(u.bucket, u.uploadId), { recursive: true, force: true });
  }

  /** CompleteMultipartUpload: checks the list as OSS does, then makes the parts the object's bytes (linked, not copied). */
  async complete(u: UploadMeta, list: Array<{ partNumber: number; etag: string }>, opts: PutOptions = {}): Promise<ObjectMeta> {
    if (list.length === 0) throw errors.malformedXml();
    const stored = new Map((await this.parts(u)).map((p) => [p.partNumber, p]));
    const chosen: PartMeta[] = [];
    let previous = 0;
    for (const { partNumber, etag } of list) {
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
        throw new OssError(400, 'InvalidPartOrder', 'Part number must be an integer between 1 and 10000, inclusive.', {}, '0042-00000205');
      }
      if (partNumber <= previous) throw new OssError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.', {}, '0042-00000206');
      previous = partNumber;
      const part = stored.get(partNumber);
      if (!part || unquote(part.etag) !== unquote(etag)) {
        throw new OssError(400, 'InvalidPart', "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.", { PartNumber: String(partNumber), ETag: etag }, '0042-00000207');
      }
      chosen.push(part);
    }
    chosen.slice(0, -1).forEach((p) => {
      if (p.size < MIN_PART_SIZE) {
        throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', { MinSizeAllowed: String(MIN_PART_SIZE), ProposedSize: String(p.size), PartNumber: String(p.partNumber) }, '0042-00000208');
      }
    });
    if (opts.forbidOverwrite && this.head(u.bucket, u.key)) throw errors.fileAlreadyExists();

    // The parts' files become the object's (hard links): O(parts) metadata, none of the bytes again.
    const storage: PartStorage = {
      dir: `${fileName(u.key)}.${randomBytes(8).toString('hex')}`, uploadId: u.uploadId,
      parts: chosen.map((p) => ({ file: `${partName(p.partNumber)}.data`, size: p.size })),
    };
    const dir = join(this.#objectsDir(u.bucket), storage.dir);
    try {
      await mkdir(dir);
      for (const p of storage.parts) await linkOrCopy(join(this.#uploadDir(u.bucket, u.uploadId), p.file), join(dir, p.file));
      await syncDir(dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      // Aborted (or completed by another request) while the parts were being linked.
      if (!this.#uploads.has(u.uploadId)) throw errors.noSuchUpload(u.uploadId);
      throw err;
    }
    const etagHash = createHash('md5');
    let crc: bigint | undefined;
    let size = 0;
    for (const p of chosen) {
      etagHash.update(Buffer.from(unquote(p.etag), 'hex'));
      crc = crc === undefined ? BigInt(p.crc64) : crc64Combine(crc, BigInt(p.crc64), p.size);
      size += p.size;
    }
    const meta = await this.#commit(u.bucket, {
      key: u.key, size,
      etag: `"${etagHash.digest('hex').toUpperCase()}-${chosen.length}"`,
      crc64: (crc ?? 0n).toString(),
      contentType: u.contentType, lastModified: new Date().toISOString(),
      userMeta: u.userMeta, headers: u.headers, parts: chosen.length,
    }, { storage }, opts);
    await this.abort(u);
    return meta;
  }
}

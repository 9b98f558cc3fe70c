// The emulator's storage: objects and multipart parts stream to files under the data folder, with
// MD5 and CRC-64 computed on the way; an in-memory index of metadata is rebuilt from disk on start.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
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

const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, '').toUpperCase();
const fileName = (key: string) => createHash('sha256').update(key).digest('hex');

export class ObjectStore {
  readonly #dir: string;
  readonly #index = new Map<string, Map<string, ObjectMeta>>();
  readonly #uploads = new Map<string, UploadMeta>();

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
      const objects = new Map<string, ObjectMeta>();
      this.#index.set(bucket, objects);
      const objDir = join(this.#dir, 'buckets', bucket, 'objects');
      for (const f of await readdir(objDir).catch(() => [])) {
        if (!f.endsWith('.json')) continue;
        const meta = JSON.parse(await readFile(join(objDir, f), 'utf8')) as ObjectMeta;
        objects.set(meta.key, meta);
      }
      const upDir = join(this.#dir, 'buckets', bucket, 'uploads');
      for (const id of await readdir(upDir).catch(() => [])) {
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

  #bucket(bucket: string): Map<string, ObjectMeta> {
    const b = this.#index.get(bucket);
    if (!b) throw errors.noSuchBucket(bucket);
    return b;
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.#bucket(bucket).get(key);
  }

  dataPath(bucket: string, key: string): string {
    return join(this.#dir, 'buckets', bucket, 'objects', fileName(key) + '.data');
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

  async #commit(bucket: string, meta: ObjectMeta, file: string, opts: PutOptions): Promise<ObjectMeta> {
    const objects = this.#bucket(bucket);
    try {
      if (opts.forbidOverwrite && objects.has(meta.key)) throw errors.fileAlreadyExists();
      await opts.beforeCommit?.(meta);
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    const base = join(this.#dir, 'buckets', bucket, 'objects', fileName(meta.key));
    const tmpMeta = join(this.#dir, 'tmp', randomBytes(12).toString('hex'));
    try {
      await rename(file, base + '.data');
      await writeFile(tmpMeta, JSON.stringify(meta));
      await rename(tmpMeta, base + '.json');
    } catch (err) {
      await Promise.all([rm(file, { force: true }), rm(tmpMeta, { force: true })]);
      throw err;
    }
    objects.set(meta.key, meta);
    return meta;
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
    }, w.file, opts);
  }

  async delete(bucket: string, key: string): Promise<void> {
    const objects = this.#bucket(bucket);
    if (!objects.delete(key)) return;
    const base = join(this.#dir, 'buckets', bucket, 'objects', fileName(key));
    await rm(base + '.json', { force: true });
    await rm(base + '.data', { force: true });
  }

  /** A read stream of the object's bytes, `end` inclusive. */
  read(bucket: string, key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.dataPath(bucket, key), range);
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
      if (entry === key) objects.push(this.#bucket(bucket).get(key)!);
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
    const base = join(this.#uploadDir(u.bucket, u.uploadId), `part-${String(partNumber).padStart(5, '0')}`);
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

  /** CompleteMultipartUpload: checks the list as OSS does, then joins the parts into the object. */
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

    const file = join(this.#dir, 'tmp', randomBytes(12).toString('hex'));
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    const etagHash = createHash('md5');
    let crc: bigint | undefined;
    let size = 0;
    try {
      for (const p of chosen) {
        const data = join(this.#uploadDir(u.bucket, u.uploadId), `part-${String(p.partNumber).padStart(5, '0')}.data`);
        // Written chunk by chunk: piping each part into the one output would add listeners per part.
        for await (const chunk of createReadStream(data, { highWaterMark: 1 << 20 })) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
        etagHash.update(Buffer.from(unquote(p.etag), 'hex'));
        crc = crc === undefined ? BigInt(p.crc64) : crc64Combine(crc, BigInt(p.crc64), p.size);
        size += p.size;
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      out.destroy();
      await rm(file, { force: true });
      throw err;
    }
    const meta = await this.#commit(u.bucket, {
      key: u.key, size,
      etag: `"${etagHash.digest('hex').toUpperCase()}-${chosen.length}"`,
      crc64: (crc ?? 0n).toString(),
      contentType: u.contentType, lastModified: new Date().toISOString(),
      userMeta: u.userMeta, headers: u.headers, parts: chosen.length,
    }, file, opts);
    await this.abort(u);
    return meta;
  }

  /** Bytes currently on disk (for the read-only view). */
  async diskUsage(bucket: string, key: string): Promise<number> {
    return (await stat(this.dataPath(bucket, key))).size;
  }
}

// Checkpoints of multipart uploads, so that an upload survives a retry, a pause and a page reload:
// the upload id, key, the parts cut (number, range) and those done (ETag), kept under a fingerprint of the file (its
// name, size, type, last-modified time and a hash of its first and last 64 KiB), in memory and
// in localStorage. The engine verifies a checkpoint with ListParts before it trusts it, and
// deletes it after success or abort.
import { toHex, sha256 } from '../../signing/index.js';

/** A part as the engine cut it: its number, where it starts in the file, its size, and its ETag once OSS has it. */
export interface CheckpointPart {
  n: number;
  start: number;
  size: number;
  /** Quoted, as OSS answered. */
  etag?: string;
}

export interface Checkpoint {
  /** Format version. */
  v: 2;
  uploadId: string;
  /** The full object key the multipart upload was initiated for. */
  key: string;
  bucket: string;
  /** The bucket URL (addressing included), so a checkpoint never crosses to another endpoint. */
  bucketUrl: string;
  size: number;
  /** The size the next new part gets (parts grow as the link allows). */
  partSize: number;
  /** Every part cut so far, in order (saved when cut, so that a part in flight when the page closed keeps its range). */
  parts: CheckpointPart[];
  /** ms since the epoch. */
  created: number;
}

/** Where checkpoints live. `get` returns undefined for absent or unreadable ones. */
export interface CheckpointStore {
  get(fingerprint: string): Checkpoint | undefined;
  set(fingerprint: string, checkpoint: Checkpoint): void;
  delete(fingerprint: string): void;
}

const PREFIX = 'oss-upload:multipart:';
/** Checkpoints older than this are not trusted (OSS keeps unfinished uploads until a lifecycle rule removes them). */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function isCheckpoint(v: unknown): v is Checkpoint {
  if (v === null || typeof v !== 'object') return false;
  const c = v as Record<string, unknown>;
  return c['v'] === 2 && typeof c['uploadId'] === 'string' && typeof c['key'] === 'string' && typeof c['bucket'] === 'string'
    && typeof c['bucketUrl'] === 'string' && typeof c['size'] === 'number' && typeof c['partSize'] === 'number'
    && typeof c['created'] === 'number' && Array.isArray(c['parts'])
    && c['parts'].every((p: unknown) => p !== null && typeof p === 'object'
      && Number.isSafeInteger((p as CheckpointPart).n) && Number.isSafeInteger((p as CheckpointPart).start) && Number.isSafeInteger((p as CheckpointPart).size));
}

/**
 * Checkpoints on their way to localStorage, by storage key: a write costs the page's main thread a
 * call into the browser (tens of ms on a busy machine) and an upload saves its checkpoint twice a
 * part, so writes are gathered and made at most every {@link FLUSH_MS}, and when the page goes away.
 * Shared by every store of the page, so that none reads an older checkpoint than another wrote.
 */
const unwritten = new Map<string, { storage: Storage; checkpoint: Checkpoint }>();
const FLUSH_MS = 250;
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let flushOnLeave = false;

function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  for (const [key, { storage, checkpoint }] of unwritten) {
    try {
      storage.setItem(key, JSON.stringify(checkpoint));
    } catch {
      /* quota or no storage: memory still has it */
    }
  }
  unwritten.clear();
}

function writeSoon(storage: Storage, key: string, checkpoint: Checkpoint): void {
  unwritten.set(key, { storage, checkpoint });
  flushTimer ??= setTimeout(flush, FLUSH_MS);
  if (!flushOnLeave && typeof addEventListener === 'function') {
    flushOnLeave = true;
    addEventListener('pagehide', flush);
  }
}

/** In memory, backed by localStorage when the page has it (private windows and sandboxed frames may not). */
export class LocalCheckpointStore implements CheckpointStore {
  readonly #memory = new Map<string, Checkpoint>();
  readonly #persist: boolean;

  constructor(options: { persist?: boolean } = {}) {
    this.#persist = options.persist ?? true;
  }

  #storage(): Storage | undefined {
    if (!this.#persist) return undefined;
    try {
      return globalThis.localStorage ?? undefined;
    } catch {
      return undefined;
    }
  }

  get(fingerprint: string): Checkpoint | undefined {
    let found = this.#memory.get(fingerprint);
    found ??= this.#persist ? unwritten.get(PREFIX + fingerprint)?.checkpoint : undefined;
    if (!found) {
      try {
        const text = this.#storage()?.getItem(PREFIX + fingerprint);
        const parsed: unknown = text ? JSON.parse(text) : undefined;
        if (isCheckpoint(parsed)) found = parsed;
      } catch {
        /* unreadable: as absent */
      }
    }
    if (found && Date.now() - found.created > MAX_AGE_MS) {
      this.delete(fingerprint);
      return undefined;
    }
    return found ? { ...found, parts: found.parts.map((p) => ({ ...p })) } : undefined;
  }

  set(fingerprint: string, checkpoint: Checkpoint): void {
    const copy = { ...checkpoint, parts: checkpoint.parts.map((p) => ({ ...p })) };
    this.#memory.set(fingerprint, copy);
    const storage = this.#storage();
    if (storage) writeSoon(storage, PREFIX + fingerprint, copy);
  }

  delete(fingerprint: string): void {
    this.#memory.delete(fingerprint);
    unwritten.delete(PREFIX + fingerprint);
    try {
      this.#storage()?.removeItem(PREFIX + fingerprint);
    } catch {
      /* nothing to remove */
    }
  }
}

const SAMPLE = 64 * 1024;

/** The bytes of the file a fingerprint reads: its first and last 64 KiB. */
export async function fileSample(file: Blob): Promise<[Uint8Array, Uint8Array]> {
  return Promise.all([
    file.slice(0, Math.min(SAMPLE, file.size)).arrayBuffer(), file.slice(Math.max(0, file.size - SAMPLE)).arrayBuffer(),
  ]).then(([head, tail]) => [new Uint8Array(head), new Uint8Array(tail)]);
}

/**
 * A fingerprint of the file and where it goes: the same file chosen again (even in a new page)
 * gives the same one; another file with the same name and size almost surely not. `sample`: the
 * file's {@link fileSample}, when it is being read already.
 */
export async function fingerprint(file: Blob & { readonly name?: string; readonly lastModified?: number }, scope: string,
  sample: Promise<[Uint8Array, Uint8Array]> = fileSample(file)): Promise<string> {
  const [head, tail] = await sample;
  const meta = new TextEncoder().encode(JSON.stringify([scope, file.name ?? '', file.size, file.type, file.lastModified ?? 0]));
  const all = new Uint8Array(meta.length + head.length + tail.length);
  all.set(meta, 0);
  all.set(head, meta.length);
  all.set(tail, meta.length + head.length);
  return toHex(await sha256(all)).slice(0, 40);
}

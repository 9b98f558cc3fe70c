// The sts strategy's `engine: 'ali-oss'`: the same credentials, refresh, pause, abort and
// progress, with ali-oss's multipartUpload moving the bytes. ali-oss's prebuilt browser bundle
// (about 175 KB gzipped) is loaded with a dynamic import the first time this engine is used, so
// pages that never use it never download it. One client per upload, because ali-oss's cancel()
// stops every upload of a client (OSS-PROTOCOL.md §10.4). ali-oss refreshes its token only on
// an interval and races between parts (§10.2), so its `refreshSTSToken` only reads the strategy's
// shared credentials, which refresh themselves before they expire; a token OSS refuses anyway
// restarts the upload from ali-oss's checkpoint with fresh credentials (once: fresh ones refused
// too end it). ali-oss's cancel() cannot stop a request under way, so once its last request (the
// put of a small file, or Complete) may be under way an abort waits for the outcome instead.
//
// This module imports nothing at run time (only types): what it needs from the package comes in
// `kit`. Otherwise a bundler moves the code it shares with the main bundle into a third chunk,
// and dist/oss-upload.bundle.js would no longer be one file that works alone.
import type OSS from 'ali-oss';
import type { UploadError, UploadErrorCode, UploadErrorInit } from '../errors.js';
import type { V4Credentials } from '../signing/index.js';
import type { OssTarget } from './multipart/http.js';
import type { CredentialSource, PauseControl } from './multipart/engine.js';
import type { RequestRetry } from './types.js';

/** What the engine needs from the rest of the package, handed in by sts.ts. */
export interface AliOssKit {
  error(code: UploadErrorCode, message: string, init?: UploadErrorInit): UploadError;
  aborted(): UploadError;
  abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T>;
  /** OSS codes that a fresh token fixes. */
  tokenErrors: ReadonlySet<string>;
  /** OSS refused fresh credentials as expired too (`credentials-expired`). */
  expired(init: UploadErrorInit): UploadError;
  /** How long an abort waits for the outcome of the last request (xhr.ts HELD_ABORT_MS). */
  heldAbortMs: number;
}

export interface AliOssUploadOptions {
  file: Blob;
  target: OssTarget;
  key: string;
  contentType: string;
  meta: Record<string, string>;
  signal: AbortSignal;
  onProgress(loaded: number, total: number): void;
  credentials: CredentialSource;
  pause: PauseControl;
  partSize: number;
  parallel: number;
  kit: AliOssKit;
  /** See UploadContext.onRetry: a restart from the checkpoint with fresh credentials. */
  onRetry?(retry: RequestRetry): void;
  /** See UploadContext.onCommit: ali-oss's last request may be under way (true), or settled (false). */
  onCommit?(pending: boolean): void;
}

/** ali-oss sends files under this size with one put (managed-upload.js), and cuts larger ones into parts. */
const ALI_OSS_MIN_PART = 100 * 1024;

type OssClass = typeof OSS;
let loading: Promise<OssClass> | undefined;

/** ali-oss's browser bundle, downloaded once, on first use. */
export function loadAliOss(kit: AliOssKit): Promise<OssClass> {
  loading ??= import('ali-oss/dist/aliyun-oss-sdk.min.js').then((mod) => {
    const fromModule = (mod as { default?: OssClass }).default;
    const ctor = typeof fromModule === 'function' ? fromModule : (globalThis as { OSS?: OssClass }).OSS;
    if (typeof ctor !== 'function') throw kit.error('unknown', 'ali-oss could not be loaded.');
    return ctor;
  }, (error: unknown) => {
    loading = undefined;
    throw kit.error('network', `ali-oss could not be downloaded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  return loading;
}

interface AliOssError {
  name?: string;
  code?: string;
  status?: number;
  requestId?: string;
  message?: string;
  /** The part whose upload failed (managed-upload.js). */
  partNum?: number;
}

function clientOptions(target: OssTarget, creds: V4Credentials, source: CredentialSource): OSS.Options {
  const custom = target.endpoint && !new URL(target.endpoint).hostname.endsWith('.aliyuncs.com');
  const options: Record<string, unknown> = {
    bucket: target.bucket,
    region: `oss-${target.region.replace(/^oss-/, '')}`,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    stsToken: creds.securityToken,
    authorizationV4: true,
    // Asked before every request (interval 0), which is cheap: the strategy's cache answers
    // until shortly before expiry, then one fetch serves everyone. So ali-oss never signs with a
    // token older than the cache's, and its interval race (§10.2) has nothing stale to hand out.
    refreshSTSToken: async () => {
      const c = await source.current(new AbortController().signal);
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.securityToken ?? '' };
    },
    refreshSTSTokenInterval: 0,
    timeout: 10 * 60_000,
  };
  if (target.endpoint) {
    const url = new URL(target.endpoint);
    options['endpoint'] = `${url.protocol}//${url.host}`;
    options['secure'] = url.protocol === 'https:';
    if (custom) options['sldEnable'] = true; // path-style, as ali-oss needs for a local endpoint (§10.7)
  } else {
    options['secure'] = true;
  }
  return options as unknown as OSS.Options;
}

function asUploadError(e: AliOssError, kit: AliOssKit): UploadError {
  if (e.status === -1 || e.status === -2) return kit.error('network', `The connection to OSS failed: ${e.message ?? ''}`);
  if (/etag of expose-headers/i.test(e.message ?? '')) {
    return kit.error('etag-not-exposed', 'ali-oss cannot read the ETag of a part: the bucket\'s CORS rule does not expose it. Add "ETag" to its Expose Headers.');
  }
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const retryable = status !== undefined && (status >= 500 || status === 429);
  return kit.error('oss-error', `OSS refused the upload${e.code ? ` (${e.code})` : ''}: ${e.message ?? ''}`, {
    ...(status ? { status } : {}), ...(e.code ? { ossCode: e.code } : {}), ...(e.requestId ? { requestId: e.requestId } : {}), retryable,
  });
}

interface ListedPart {
  PartNumber?: string | number;
  ETag?: string;
  Size?: string | number;
}

/**
 * The checkpoint with its done parts as OSS lists them: ali-oss trusts its own list (no
 * ListParts), which misses the parts that were still in flight when an attempt failed or was
 * paused, so it would send them again. Best effort: undefined when OSS did not list them (the
 * checkpoint then stays as it is).
 */
async function verifiedCheckpoint(client: OSS, key: string, cp: OSS.Checkpoint): Promise<OSS.Checkpoint | undefined> {
  try {
    const done = new Map<number, string>();
    let marker = 0;
    for (let page = 0; page < 20; page++) {
      // (@types/ali-oss marks every field required; OSS takes each as optional.)
      const query = (marker ? { 'max-parts': 1000, 'part-number-marker': marker } : { 'max-parts': 1000 }) as unknown as OSS.ListPartsQuery;
      const result = await client.listParts(key, cp.uploadId, query);
      const raw = result.parts as unknown as ListedPart | ListedPart[] | undefined;
      for (const p of Array.isArray(raw) ? raw : raw ? [raw] : []) {
        const n = Number(p.PartNumber);
        const expected = Math.min(cp.partSize, cp.fileSize - (n - 1) * cp.partSize);
        if (Number.isInteger(n) && n >= 1 && Number(p.Size) === expected && p.ETag) done.set(n, p.ETag);
      }
      const next = Number(result.nextPartNumberMarker);
      if (String(result.isTruncated) !== 'true' || !(next > marker)) break;
      marker = next;
    }
    return { ...cp, doneParts: [...done].sort((a, b) => a[0] - b[0]).map(([number, etag]) => ({ number, etag })) };
  } catch {
    return undefined;
  }
}

/** ali-oss checkpoints of uploads that failed retryably: the next attempt for the same file and key continues them. */
const unfinished = new WeakMap<Blob, { key: string; checkpoint: OSS.Checkpoint }>();

export async function uploadWithAliOss(o: AliOssUploadOptions): Promise<{ key: string; etag?: string; requestId?: string }> {
  const { kit, partSize, parallel } = o;
  const OSSClient = await loadAliOss(kit);
  if (o.signal.aborted) throw kit.aborted();
  const previous = unfinished.get(o.file);
  unfinished.delete(o.file);
  let checkpoint: OSS.Checkpoint | undefined = previous?.key === o.key ? previous.checkpoint : undefined;
  /** Whether the checkpoint must be checked against OSS before the next attempt. */
  let verify = checkpoint !== undefined;
  let high = 0;
  /** Credentials fetched after a refusal that OSS has not accepted yet (no listing, no progress since). */
  let unproven = false;
  let refreshes = 0;
  const size = o.file.size;

  /** AbortMultipartUpload, best effort, with a client of its own (ali-oss's cancel() marks the one in use). */
  const abortOnOss = async () => {
    if (!checkpoint) return;
    const creds = await o.credentials.current(AbortSignal.timeout(10_000)).catch(() => undefined);
    if (!creds) return;
    const client = new OSSClient(clientOptions(o.target, creds, o.credentials));
    await client.abortMultipartUpload(o.key, checkpoint.uploadId, { timeout: 10_000 } as OSS.RequestOptions).catch(() => {});
  };

  for (;;) {
    if (o.pause.paused) {
      try {
        await kit.abortable(o.pause.whenRunning(), o.signal);
      } catch (error) {
        await abortOnOss();
        throw error;
      }
    }
    if (o.signal.aborted) {
      await abortOnOss();
      throw kit.aborted();
    }
    const creds = await o.credentials.current(o.signal);
    const client = new OSSClient(clientOptions(o.target, creds, o.credentials));
    if (verify && checkpoint) {
      const verified = await verifiedCheckpoint(client, o.key, checkpoint);
      if (verified) {
        checkpoint = verified;
        unproven = false; // OSS listed the parts: it accepts these credentials
      }
      verify = false;
    }
    // ali-oss's last request (a small file's put, or Complete) may be under way: OSS may store the
    // file whatever the page does, and cancel() would not stop that request anyway.
    let committing = false;
    const commit = (pending: boolean) => {
      if (committing === pending) return;
      committing = pending;
      o.onCommit?.(pending);
    };
    let giveUp: (error: UploadError) => void = () => {};
    const held = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    held.catch(() => {});
    let heldTimer: ReturnType<typeof setTimeout> | undefined;
    const unanswered = kit.error('network',
      `No answer from OSS within ${kit.heldAbortMs / 1000} s of the abort. The whole file had been sent: OSS may have stored it.`);
    const stop = () => {
      if (!committing) return client.cancel();
      heldTimer ??= setTimeout(() => giveUp(unanswered), kit.heldAbortMs);
    };
    o.signal.addEventListener('abort', stop, { once: true });
    const unsubscribe = o.pause.onChange((paused) => {
      if (paused) stop();
    });
    try {
      const meta = Object.fromEntries(Object.entries(o.meta).map(([k, v]) => [k.toLowerCase(), v]));
      if (size < ALI_OSS_MIN_PART) commit(true);
      const result = await Promise.race([held, client.multipartUpload(o.key, o.file, {
        partSize, parallel, mime: o.contentType, meta: meta as OSS.UserMeta,
        ...(checkpoint ? { checkpoint } : {}),
        progress: (p: number, cp?: OSS.Checkpoint) => {
          if (cp) checkpoint = cp;
          // Every part stored: Complete goes next.
          if (cp && cp.doneParts.length >= Math.ceil(cp.fileSize / cp.partSize)) commit(true);
          const loaded = Math.min(size, Math.floor(p * size));
          if (loaded > high) {
            high = loaded;
            unproven = false;
            o.onProgress(loaded, size);
          }
        },
      })]);
      const out: { key: string; etag?: string; requestId?: string } = { key: o.key };
      if (result.etag) out.etag = result.etag;
      const requestId = (result.res?.headers as Record<string, string> | undefined)?.['x-oss-request-id'];
      if (requestId) out.requestId = requestId;
      return out;
    } catch (thrown) {
      const e = (thrown ?? {}) as AliOssError;
      if (o.signal.aborted) {
        // A held abort whose last request got no answer, or lost its connection: OSS may have the file.
        const failure = thrown === unanswered ? unanswered : asUploadError(e, kit);
        if (committing && failure.code === 'network') throw failure;
        await abortOnOss();
        throw kit.aborted();
      }
      verify = true;
      if (e.name === 'cancel' && o.pause.paused) continue; // resume from the checkpoint after resume()
      // A refused token is refreshed; fresh credentials refused before OSS accepted any request
      // with them (no listing, no progress) end the upload: the endpoint hands out unusable ones.
      if (e.code && kit.tokenErrors.has(e.code)) {
        const refused = asUploadError(e, kit);
        if (unproven) {
          await abortOnOss();
          const { code: _code, message: _message, ...init } = refused.toJSON();
          throw e.code === 'SecurityTokenExpired'
            ? kit.expired(init)
            : kit.error('oss-error', `${refused.message} Fresh credentials from the upload endpoint were refused as well.`, { ...init, retryable: false });
        }
        refreshes++;
        unproven = true;
        await o.credentials.refresh(creds, o.signal);
        o.onRetry?.({
          operation: e.partNum ? 'UploadPart' : size < ALI_OSS_MIN_PART ? 'PutObject' : 'multipartUpload',
          ...(e.partNum ? { part: e.partNum } : {}), attempt: refreshes + 1, delay: 0, error: refused,
        });
        continue;
      }
      const error = asUploadError(e, kit);
      // Retryable: the controller's next attempt continues; refused for good: nothing left on OSS.
      if (error.retryable && checkpoint) unfinished.set(o.file, { key: o.key, checkpoint });
      else await abortOnOss();
      throw error;
    } finally {
      clearTimeout(heldTimer);
      commit(false);
      o.signal.removeEventListener('abort', stop);
      unsubscribe();
    }
  }
}

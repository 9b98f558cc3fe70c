// The lean multipart engine of the sts strategy: Initiate / UploadPart / Complete / Abort /
// ListParts over XMLHttpRequest with `Blob.slice` bodies (the bytes are never copied into
// JavaScript), V4-signed with the temporary credentials. Parts go in parallel and are retried
// alone with backoff and jitter (each retry reported through `onRetry`); a refused token is
// refreshed once for all parts that hit it, and fresh credentials refused too end the upload;
// progress moves inside parts and never counts a byte twice; pause keeps the multipart upload;
// a checkpoint (verified with ListParts) lets a retry or a new page continue; abort removes the
// upload from OSS. Small files go as one PutObject. OSS-PROTOCOL.md §7.
import { abortable } from '../../credentials.js';
import { UploadError, credentialsExpiredError, sleep } from '../../errors.js';
import type { V4Credentials } from '../../signing/index.js';
import type { RequestRetry } from '../types.js';
import type { Checkpoint, CheckpointPart, CheckpointStore } from './checkpoint.js';
import {
  TOKEN_ERRORS, abortedError, bucketUrl, ossError, send, serverClockOffset, signRequest,
  type OssResponse, type OssTarget, type SignedRequest,
} from './http.js';
import { connectionsTo, type HostConnections, type Release } from './connections.js';
import {
  DEFAULT_PUT_THRESHOLD, FIRST_MAX_PART, MAX_MULTIPART_SIZE, MAX_PARTS, Parallelism, fixedPartSize, nextPartSize, planParallel,
} from './plan.js';

/** Credentials shared by every request of every upload of one strategy instance. */
export interface CredentialSource {
  /** Usable credentials: cached, and fetched again shortly before they expire. */
  current(signal: AbortSignal): Promise<V4Credentials>;
  /** OSS refused `stale`: fresh credentials. Every caller handing in the same stale ones shares one fetch. */
  refresh(stale: V4Credentials, signal: AbortSignal): Promise<V4Credentials>;
}

/**
 * Pause and resume of one upload. Pausing aborts the parts in flight (their bytes are sent again
 * after resume; progress does not go back) and starts no new ones; the multipart upload stays.
 */
export class PauseControl {
  #paused = false;
  #closed = false;
  #stop = new AbortController();
  #resumed: Promise<void> = Promise.resolve();
  #release: () => void = () => {};
  readonly #listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.#paused;
  }

  /** The upload has gone past the point where a pause could hold it (its Complete is next): see close(). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Every part is stored and Complete goes next: a pause now would stop nothing (Complete does not
   * listen to it), and would show a file as paused while OSS makes the object. The strategy refuses it.
   */
  close(): void {
    this.#closed = true;
  }

  /** Aborts when the upload is paused (a new signal after every resume). */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#resumed = new Promise((resolve) => {
      this.#release = resolve;
    });
    this.#stop.abort();
    for (const l of this.#listeners) l(true);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#stop = new AbortController();
    this.#release();
    for (const l of this.#listeners) l(false);
  }

  /** Resolves at once when running, else on resume. */
  whenRunning(): Promise<void> {
    return this.#resumed;
  }

  onChange(listener: (paused: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export interface MultipartOptions {
  file: Blob;
  target: OssTarget;
  /** The full object key. A verified checkpoint may continue an upload to its own key instead. */
  key: string;
  contentType: string;
  meta: Record<string, string>;
  credentials: CredentialSource;
  signal: AbortSignal;
  onProgress(loaded: number, total: number): void;
  /** Bytes per part, fixed. Default: each part cut to the link's measured rate when a connection is free (plan.ts). */
  partSize?: number;
  /** The most parts in flight. Default: as many as make the upload faster, up to the host's connections (plan.ts, connections.ts). */
  parallel?: number;
  /** Files up to this size go as one PutObject. Default 8 MiB. */
  putThreshold?: number;
  /** Retries of one part (or one Initiate / Complete / ListParts) after a retryable failure. Default 5. */
  retries?: number;
  /** Base of the exponential backoff, ms. Default 500. */
  retryDelay?: number;
  /** Longest wait between attempts, ms. Default 15 000. */
  maxRetryDelay?: number;
  /** The backoff's jitter, a number in [0, 1). Default Math.random; a test fixes it to check the schedule. */
  jitter?: () => number;
  /** Milliseconds without progress before a request counts as failed. Default 60 000; 0: no limit. */
  stallTimeout?: number;
  checkpoints?: CheckpointStore;
  /** The key to keep the checkpoint under (see checkpoint.ts); no checkpoint without one. */
  fingerprint?: string;
  pause?: PauseControl;
  /** A request is sent again (after a failure, or with fresh credentials): see UploadContext.onRetry. */
  onRetry?(retry: RequestRetry): void;
  /** The PutObject or Complete is under way (true) or settled (false): see UploadContext.onCommit. */
  onCommit?(pending: boolean): void;
}

export interface MultipartResult {
  key: string;
  etag?: string;
  requestId?: string;
  crc64?: string;
  /** Parts sent (0 for PutObject). */
  parts: number;
  /** Parts a checkpoint had done already (not sent again). */
  resumedParts: number;
}

class Paused extends Error {}

function xmlValue(text: string, tag: string): string | undefined {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  return doc.getElementsByTagName(tag)[0]?.textContent ?? undefined;
}

/** Which request a retry is of, for `onRetry`. */
type RequestName = Pick<RequestRetry, 'operation' | 'part'>;

const PUT: RequestName = { operation: 'PutObject' };
const INITIATE: RequestName = { operation: 'InitiateMultipartUpload' };
const COMPLETE: RequestName = { operation: 'CompleteMultipartUpload' };
const LIST: RequestName = { operation: 'ListParts' };

/** What Complete's result is made of when its answer never came but OSS says the upload is gone. */
const NO_ANSWER: OssResponse = { status: 200, text: '', header: () => null };

/**
 * OSS refused the credentials that a refresh had just fetched (because it refused the previous
 * ones): the endpoint hands out unusable credentials, and trying again would get the same.
 */
function refusedAfterRefresh(error: UploadError): UploadError {
  const { code: _code, message: _message, ...init } = error.toJSON();
  if (error.ossCode === 'SecurityTokenExpired') return credentialsExpiredError('credentials', init);
  return new UploadError('oss-error', `${error.message} Fresh credentials from the upload endpoint were refused as well.`, { ...init, retryable: false });
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Said with AccessDenied: the usual cause with STS credentials. */
const DENIED_HINT = ' The temporary credentials allow uploads only under the prefix the server granted (its "dir"): the key must start with it.';

/** The fix for a bucket whose CORS rule hides ETag, said once for every place that needs it. */
export const ETAG_FIX = 'Add "ETag" (and "x-oss-request-id") to the Expose Headers of the bucket\'s CORS rule '
  + '(OSS console → the bucket → Content Security → CORS; or PutBucketCors with <ExposeHeader>ETag</ExposeHeader>).';

/** Uploads one file; one instance per upload attempt. */
export class MultipartUpload {
  readonly #o: MultipartOptions;
  readonly #size: number;
  readonly #base: string;
  /** The connections to the bucket's host, shared with every other upload there. */
  readonly #link: HostConnections;
  /** Added to the local clock when signing, after OSS said RequestTimeTooSkewed. */
  #clockOffset = 0;
  #high = 0;
  #done = 0;
  readonly #inflight = new Map<number, number>();
  /** Bodies of parts cut ahead (while the Initiate was on its way), by part number. */
  readonly #bodies = new Map<number, Blob>();
  /** A PutObject or Complete has been sent: OSS may hold the object whatever happens next. */
  #committed = false;
  readonly #onCommit = (pending: boolean): void => {
    if (pending) this.#committed = true;
    this.#o.onCommit?.(pending);
  };

  constructor(options: MultipartOptions) {
    this.#o = options;
    this.#size = options.file.size;
    this.#base = bucketUrl(options.target);
    this.#link = connectionsTo(this.#base);
  }

  async run(): Promise<MultipartResult> {
    const o = this.#o;
    if (this.#size > MAX_MULTIPART_SIZE) {
      throw new UploadError('too-large-for-strategy', `The file is larger than OSS's largest object (${MAX_MULTIPART_SIZE} bytes).`);
    }
    if (this.#size <= (o.putThreshold ?? DEFAULT_PUT_THRESHOLD)) return this.#put();
    return this.#multipart();
  }

  // ---- progress ----

  #report(): void {
    let loaded = this.#done;
    for (const n of this.#inflight.values()) loaded += n;
    if (loaded > this.#high) {
      this.#high = Math.min(loaded, this.#size);
      this.#o.onProgress(this.#high, this.#size);
    }
  }

  // ---- one request: signing, token refresh, clock skew ----

  async #call(what: string, req: SignedRequest, signal: AbortSignal, extra: {
    body?: Blob | string; onUploadProgress?: (loaded: number) => void; ok?: (r: OssResponse) => boolean;
    /** Which request this is, for `onRetry` when it is sent again with fresh credentials. */
    name?: RequestName;
    /** Its answer decides whether the object exists (PutObject, Complete): an abort waits for it. */
    commit?: boolean;
    /** Called each time the request has gone out (the page then waits for the answer). */
    onSent?: () => void;
  } = {}): Promise<OssResponse> {
    let creds = await this.#o.credentials.current(signal);
    let refreshed = false;
    let skewFixed = false;
    for (;;) {
      const signed = await signRequest(req, creds, new Date(Date.now() + this.#clockOffset));
      const answer = send({
        method: req.method, url: signed.url, headers: signed.headers, signal,
        ...(extra.body !== undefined ? { body: extra.body } : {}),
        ...(extra.onUploadProgress ? { onUploadProgress: extra.onUploadProgress } : {}),
        ...(this.#o.stallTimeout !== undefined ? { stallTimeout: this.#o.stallTimeout } : {}),
        ...(extra.commit ? { onCommit: this.#onCommit } : {}),
      });
      extra.onSent?.();
      const response = await answer;
      if (extra.ok ? extra.ok(response) : response.status >= 200 && response.status < 300) return response;
      const error = ossError(what, response, (code) => (code === 'AccessDenied' ? DENIED_HINT : ''));
      if (error.ossCode && TOKEN_ERRORS.has(error.ossCode)) {
        // Refreshed once already for this request: fresh credentials refused too will not get better.
        if (refreshed) throw refusedAfterRefresh(error);
        refreshed = true;
        extra.onUploadProgress?.(0);
        creds = await this.#o.credentials.refresh(creds, signal);
        if (extra.name) this.#o.onRetry?.({ ...extra.name, attempt: 2, delay: 0, error });
        continue;
      }
      if (error.ossCode === 'RequestTimeTooSkewed' && !skewFixed) {
        const offset = serverClockOffset(response);
        if (offset !== undefined) {
          skewFixed = true;
          this.#clockOffset = offset;
          continue;
        }
      }
      throw error;
    }
  }

  /** Runs `attempt` until it succeeds, a failure is final, or the retries are used up; each retry is reported (`onRetry`). */
  async #retrying<T>(attempt: () => Promise<T>, signal: AbortSignal, name: RequestName, onFailure?: () => void): Promise<T> {
    const o = this.#o;
    const retries = Math.max(0, o.retries ?? 5);
    const base = Math.max(0, o.retryDelay ?? 500);
    const cap = Math.max(base, o.maxRetryDelay ?? 15_000);
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (thrown) {
        const error = UploadError.from(thrown);
        if (error.code === 'aborted' || thrown instanceof Paused || !error.retryable || n > retries || signal.aborted) throw thrown;
        const exponential = Math.min(cap, base * 2 ** (n - 1));
        const delay = exponential / 2 + (o.jitter ?? Math.random)() * (exponential / 2);
        onFailure?.();
        o.onRetry?.({ ...name, attempt: n + 1, delay: Math.round(delay), error });
        await sleep(delay, signal);
      }
    }
  }

  /**
   * Runs `request` holding one of the host's connections (parts hold theirs from the scheduler):
   * a request the browser had to queue behind six others would wait with its timers running.
   */
  async #connected<T>(signal: AbortSignal, request: () => Promise<T>): Promise<T> {
    const release = await this.#link.acquire(this, signal);
    try {
      return await request();
    } finally {
      release();
    }
  }

  // ---- PutObject ----

  async #put(): Promise<MultipartResult> {
    const o = this.#o;
    const headers = this.#objectHeaders();
    const response = await this.#connected(o.signal, async () => {
      const started = performance.now();
      const answer = await this.#retrying(() => this.#call(`the upload of "${o.key}"`, { method: 'PUT', target: o.target, key: o.key, headers }, o.signal, {
        body: o.file,
        onUploadProgress: (loaded) => {
          this.#inflight.set(1, loaded);
          this.#report();
        },
        name: PUT, commit: true,
      }), o.signal, PUT);
      this.#link.measured(this.#size, performance.now() - started);
      return answer;
    });
    this.#inflight.clear();
    this.#done = this.#size;
    this.#report();
    return this.#result(o.key, response, 0, 0);
  }

  #objectHeaders(): Record<string, string> {
    const headers: Record<string, string> = { 'Content-Type': this.#o.contentType };
    for (const [name, value] of Object.entries(this.#o.meta)) headers[`x-oss-meta-${name.toLowerCase()}`] = value;
    return headers;
  }

  #result(key: string, response: OssResponse, parts: number, resumedParts: number): MultipartResult {
    const result: MultipartResult = { key, parts, resumedParts };
    const etag = response.header('ETag') ?? xmlValue(response.text, 'ETag');
    const requestId = response.header('x-oss-request-id');
    const crc = response.header('x-oss-hash-crc64ecma');
    if (etag) result.etag = etag;
    if (requestId) result.requestId = requestId;
    if (crc) result.crc64 = crc;
    return result;
  }

  // ---- multipart ----

  async #multipart(): Promise<MultipartResult> {
    const o = this.#o;
    const fixed = o.partSize !== undefined && o.partSize > 0;
    const link = this.#link;
    const requested = planParallel(o.parallel);
    if (requested !== undefined) link.allow(requested);
    // Each upload asks for every connection; the host's connections are shared out between the uploads (connections.ts).
    const parallel = new Parallelism(requested ?? link.limit, requested ?? link.limit, performance.now(), 0);
    /** The size of a new part starting at `next` (plan.ts), beside `inFlight` unsent bytes. */
    const sizeAt = (next: number, partsLeft: number, inFlight: number) => {
      const unassigned = this.#size - next;
      return fixed ? fixedPartSize(o.partSize!, unassigned, partsLeft) : nextPartSize({
        unassigned, inFlight, connections: Math.min(parallel.target, link.share(this)), rate: link.rate, partsLeft,
      });
    };
    let checkpoint = await this.#resume();
    if (!checkpoint) {
      // The first parts, one per connection, are cut while the Initiate is on its way: a Blob slice
      // costs the main thread a call into the browser (tens of ms on a busy machine).
      const first: CheckpointPart[] = [];
      for (let at = 0, n = 1; n <= parallel.target && at < this.#size; n++) {
        const size = sizeAt(at, MAX_PARTS - n + 1, first.reduce((sum, p) => sum + p.size, 0));
        first.push({ n, start: at, size });
        at += size;
      }
      const uploadId = await this.#initiate(() => {
        for (const p of first) if (!this.#bodies.has(p.n)) this.#bodies.set(p.n, o.file.slice(p.start, p.start + p.size));
      });
      checkpoint = {
        v: 2, uploadId, key: o.key, bucket: o.target.bucket, bucketUrl: this.#base, size: this.#size,
        partSize: first[0]?.size ?? FIRST_MAX_PART, parts: first, created: Date.now(),
      };
      this.#save(checkpoint);
    }
    const cp = checkpoint;
    const resumedParts = cp.parts.filter((p) => p.etag).length;
    for (const p of cp.parts) if (p.etag) this.#done += p.size;
    this.#report();

    // Parts cut before (a checkpoint) but not stored keep their number and range; then new ones,
    // each cut when a connection is free for it (plan.ts nextPartSize).
    const queue = cp.parts.filter((p) => !p.etag);
    let next = cp.parts.reduce((end, p) => Math.max(end, p.start + p.size), 0);
    let lastNumber = cp.parts.reduce((n, p) => Math.max(n, p.n), 0);
    const sizes = new Map<number, number>();
    const unsent = () => {
      let bytes = 0;
      for (const [n, size] of sizes) bytes += size - (this.#inflight.get(n) ?? 0);
      return bytes;
    };
    const cut = (): CheckpointPart | undefined => {
      const pending = queue.shift();
      if (pending) return pending;
      if (next >= this.#size) return undefined;
      const size = sizeAt(next, MAX_PARTS - lastNumber, unsent());
      const part: CheckpointPart = { n: ++lastNumber, start: next, size };
      next += size;
      cp.parts.push(part);
      cp.partSize = size;
      this.#save(cp);
      return part;
    };
    const more = () => queue.length > 0 || next < this.#size;

    const stop = new AbortController();
    const signal = AbortSignal.any([o.signal, stop.signal]);
    const running = new Set<Promise<void>>();
    let sent = 0;
    let failure: unknown;
    const launch = (part: CheckpointPart, release: Release) => {
      sizes.set(part.n, part.size);
      const task = this.#uploadPart(cp, part, signal, (startedAt) => parallel.failed(performance.now(), this.#sent(), startedAt)).then(({ etag, ms, startedAt }) => {
        part.etag = etag;
        sent++;
        link.measured(part.size, ms);
        parallel.stored(performance.now(), this.#sent(), startedAt);
        this.#save(cp);
      }, (error: unknown) => {
        if (error instanceof Paused) {
          queue.unshift(part); // sent again, whole, after resume
          return;
        }
        failure ??= error;
        stop.abort();
      }).finally(() => {
        sizes.delete(part.n);
        release();
        running.delete(task);
      });
      running.add(task);
    };
    try {
      while (failure === undefined) {
        if (o.pause?.paused) {
          // The pause cut the parts in flight; once they have settled, wait for resume.
          if (running.size > 0) await Promise.race(running);
          else await abortable(o.pause.whenRunning(), signal);
          continue;
        }
        if (!more() || running.size >= parallel.target) {
          if (running.size === 0) {
            // In the same turn as the pause check above: no pause can come between it and this.
            if (!more()) o.pause?.close();
            break;
          }
          await Promise.race(running);
          continue;
        }
        let release: Release;
        try {
          release = await link.acquire(this, o.pause ? AbortSignal.any([signal, o.pause.signal]) : signal);
        } catch (error) {
          if (o.signal.aborted || failure !== undefined) break;
          if (o.pause?.paused) continue;
          throw error;
        }
        const part = failure === undefined && !o.pause?.paused && running.size < parallel.target ? cut() : undefined;
        if (part) launch(part, release);
        else release();
      }
      await Promise.all(running);
      if (o.signal.aborted) throw abortedError();
      if (failure !== undefined) throw failure;
      const response = await this.#complete(cp);
      this.#forget();
      this.#done = this.#size;
      this.#report();
      return this.#result(cp.key, response, sent, resumedParts);
    } catch (thrown) {
      if (o.signal.aborted && this.#committed) {
        // Aborted with a Complete sent but not answered (or cut off): whether the upload is still
        // there (now aborted) or gone (Complete went through: the object exists) says which it was.
        this.#forget();
        const left = await this.#abort(cp);
        if (left === 'gone') return this.#result(cp.key, NO_ANSWER, sent, resumedParts);
        throw left === 'unknown' && UploadError.from(thrown).code === 'network' ? thrown : abortedError();
      }
      const error = o.signal.aborted ? abortedError() : UploadError.from(thrown);
      // Aborted, or refused for good: no parts left behind to be billed. A retryable failure keeps
      // the upload and its checkpoint, so that the next attempt sends only what is missing.
      if (error.code === 'aborted' || !error.retryable) {
        this.#forget();
        await this.#abort(cp);
      }
      throw error;
    }
  }

  /** Bytes of the file sent so far: parts stored, and what went of the parts in flight. */
  #sent(): number {
    let loaded = this.#done;
    for (const n of this.#inflight.values()) loaded += n;
    return loaded;
  }

  /** InitiateMultipartUpload; `onSent` runs while its answer is awaited. */
  async #initiate(onSent: () => void): Promise<string> {
    const o = this.#o;
    const response = await this.#connected(o.signal, () => this.#retrying(() => this.#call(`to start the upload of "${o.key}"`, {
      method: 'POST', target: o.target, key: o.key, query: [['uploads', '']], headers: this.#objectHeaders(),
    }, o.signal, { name: INITIATE, onSent }), o.signal, INITIATE));
    const uploadId = xmlValue(response.text, 'UploadId');
    if (!uploadId) throw new UploadError('oss-error', 'OSS answered InitiateMultipartUpload without an UploadId.', { status: response.status });
    return uploadId;
  }

  /**
   * One part, retried alone (`onFailure` hears of each failure a retry follows, with when that
   * attempt started). Pausing aborts it:
   * it rejects with Paused, and the part is sent again after resume. `ms`: how long the attempt
   * that stored it took, started at `startedAt`.
   */
  async #uploadPart(cp: Checkpoint, part: CheckpointPart, signal: AbortSignal, onFailure: (startedAt: number) => void): Promise<{ etag: string; ms: number; startedAt: number }> {
    const o = this.#o;
    const { n } = part;
    const body = this.#bodies.get(n) ?? o.file.slice(part.start, part.start + part.size);
    this.#bodies.delete(n);
    const name: RequestName = { operation: 'UploadPart', part: n };
    const partSignal = o.pause ? AbortSignal.any([signal, o.pause.signal]) : signal;
    let started = 0;
    try {
      const response = await this.#retrying(async () => {
        this.#inflight.set(n, 0);
        started = performance.now();
        return this.#call(`part ${n} of "${cp.key}"`, {
          method: 'PUT', target: o.target, key: cp.key, query: [['partNumber', String(n)], ['uploadId', cp.uploadId]],
        }, partSignal, {
          body,
          onUploadProgress: (loaded) => {
            this.#inflight.set(n, loaded);
            this.#report();
          },
          name,
        }).catch((error: unknown) => {
          if (o.pause?.paused && !signal.aborted) throw new Paused();
          throw error;
        });
      }, partSignal, name, () => onFailure(started));
      const ms = performance.now() - started;
      const etag = response.header('ETag');
      if (!etag) {
        throw new UploadError('etag-not-exposed', `OSS stored part ${n} but this page cannot read its ETag, which completing the upload needs: the bucket's CORS rule does not expose the ETag header. ${ETAG_FIX}`, { status: response.status, retryable: false });
      }
      this.#done += body.size;
      return { etag, ms, startedAt: started };
    } catch (error) {
      if (o.pause?.paused && !signal.aborted) throw new Paused();
      throw error;
    } finally {
      this.#inflight.delete(n);
      this.#report();
    }
  }

  async #complete(cp: Checkpoint): Promise<OssResponse> {
    const o = this.#o;
    const parts = cp.parts.map((p) => [p.n, p.etag ?? ''] as const).sort((a, b) => a[0] - b[0]);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n${parts
      .map(([n, etag]) => `<Part>\n<PartNumber>${n}</PartNumber>\n<ETag>${xmlEscape(etag)}</ETag>\n</Part>\n`).join('')}</CompleteMultipartUpload>`;
    let unknownOutcome = false;
    return this.#connected(o.signal, () => this.#retrying(async () => {
      try {
        return await this.#call(`to complete the upload of "${cp.key}"`, {
          method: 'POST', target: o.target, key: cp.key, query: [['uploadId', cp.uploadId]], headers: { 'Content-Type': 'application/xml' },
        }, o.signal, {
          body: xml,
              // A Complete whose answer was lost may have worked: the upload is then gone, and the object there.
          ok: (r) => (r.status >= 200 && r.status < 300) || (unknownOutcome && r.status === 404 && /NoSuchUpload/.test(r.text)),
          name: COMPLETE, commit: true,
        });
      } catch (error) {
        if (error instanceof UploadError && error.code === 'network') unknownOutcome = true;
        throw error;
      }
    }, o.signal, COMPLETE));
  }

  /**
   * AbortMultipartUpload, best effort (never throws): bounded by 10 s, not by the aborted signal.
   * Says whether OSS aborted the upload, had it no more (`gone`: completed, or aborted before), or did not say.
   */
  async #abort(cp: Checkpoint): Promise<'aborted' | 'gone' | 'unknown'> {
    const signal = AbortSignal.timeout(10_000);
    try {
      const response = await this.#connected(signal, () => this.#call(`to abort the upload of "${cp.key}"`, {
        method: 'DELETE', target: this.#o.target, key: cp.key, query: [['uploadId', cp.uploadId]],
      }, signal, { ok: (r) => r.status === 204 || r.status === 200 || r.status === 404 }));
      return response.status === 404 ? 'gone' : 'aborted';
    } catch {
      return 'unknown'; // OSS's lifecycle rule for unfinished uploads is the backstop
    }
  }

  // ---- checkpoints ----

  #save(cp: Checkpoint): void {
    if (this.#o.fingerprint) this.#o.checkpoints?.set(this.#o.fingerprint, cp);
  }

  #forget(): void {
    if (this.#o.fingerprint) this.#o.checkpoints?.delete(this.#o.fingerprint);
  }

  /** A stored checkpoint for this file, verified with ListParts; undefined to start afresh. */
  async #resume(): Promise<Checkpoint | undefined> {
    const o = this.#o;
    const saved = o.fingerprint ? o.checkpoints?.get(o.fingerprint) : undefined;
    if (!saved) return undefined;
    const inside = saved.parts.every((p) => p.n >= 1 && p.n <= MAX_PARTS && p.start >= 0 && p.size > 0 && p.start + p.size <= this.#size);
    if (saved.bucketUrl !== this.#base || saved.bucket !== o.target.bucket || saved.size !== this.#size || saved.partSize < 1 || !inside) {
      this.#forget();
      return undefined;
    }
    let listed: Map<number, { etag: string; size: number }>;
    try {
      listed = await this.#listParts(saved);
    } catch (error) {
      if (o.signal.aborted) throw abortedError();
      // Gone (NoSuchUpload), or not ours to see (AccessDenied: another user's prefix): start afresh.
      if (error instanceof UploadError && error.code === 'oss-error' && !error.retryable) {
        this.#forget();
        return undefined;
      }
      throw error;
    }
    // What OSS holds is the truth: a part counts as done when OSS has it with the size it was cut
    // to (and the ETag recorded, when one was). Anything else is sent again (and replaces OSS's).
    const same = (a: string, b: string) => a.replace(/"/g, '').toUpperCase() === b.replace(/"/g, '').toUpperCase();
    const parts = saved.parts.map((p): CheckpointPart => {
      const onOss = listed.get(p.n);
      const done = onOss !== undefined && onOss.size === p.size && (p.etag === undefined || same(p.etag, onOss.etag));
      return done ? { ...p, etag: onOss.etag } : { n: p.n, start: p.start, size: p.size };
    });
    const verified: Checkpoint = { ...saved, parts };
    this.#save(verified);
    return verified;
  }

  async #listParts(cp: Checkpoint): Promise<Map<number, { etag: string; size: number }>> {
    const o = this.#o;
    const out = new Map<number, { etag: string; size: number }>();
    let marker = 0;
    for (let page = 0; page < 20; page++) {
      const query: Array<[string, string]> = [['max-parts', '1000'], ['uploadId', cp.uploadId]];
      if (marker) query.push(['part-number-marker', String(marker)]);
      const response = await this.#connected(o.signal, () => this.#retrying(() => this.#call(`to list the parts of "${cp.key}"`, {
        method: 'GET', target: o.target, key: cp.key, query,
      }, o.signal, { name: LIST }), o.signal, LIST));
      const doc = new DOMParser().parseFromString(response.text, 'application/xml');
      for (const part of Array.from(doc.getElementsByTagName('Part'))) {
        const n = Number(part.getElementsByTagName('PartNumber')[0]?.textContent);
        const etag = part.getElementsByTagName('ETag')[0]?.textContent ?? '';
        const size = Number(part.getElementsByTagName('Size')[0]?.textContent);
        if (Number.isInteger(n) && etag && Number.isFinite(size)) out.set(n, { etag, size });
      }
      const truncated = doc.getElementsByTagName('IsTruncated')[0]?.textContent === 'true';
      const next = Number(doc.getElementsByTagName('NextPartNumberMarker')[0]?.textContent);
      if (!truncated || !Number.isFinite(next) || next <= marker) break;
      marker = next;
    }
    return out;
  }
}

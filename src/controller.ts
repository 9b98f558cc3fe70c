// The headless upload controller: the file list and each file's state, validation, the queue
// with its concurrency limit, retries with exponential backoff and jitter, abort / retry /
// remove / clear. An EventTarget that fires the oss-upload-* events and knows nothing of the
// UI (no Lit): the element re-fires its events and renders `files`.
import type { CredentialsConfig } from './credentials.js';
import { UploadError, abortedError, sleep, type UploadErrorData } from './errors.js';
import {
  OssUploadAbortEvent, OssUploadBeforeEvent, OssUploadCompleteEvent, OssUploadErrorEvent, OssUploadProgressEvent,
  OssUploadPauseEvent, OssUploadRejectEvent, OssUploadResumeEvent, OssUploadRetryEvent, OssUploadSelectEvent,
  OssUploadStartEvent, OssUploadSuccessEvent,
  type BatchProgress, type OssUploadEventMap, type RejectedFile, type UploadFileInfo, type UploadStatus,
} from './events.js';
import { DEFAULT_KEY_TEMPLATE, renderKeyTemplate } from './keys.js';
import { DEFAULT_STRATEGY, getStrategy } from './strategies/index.js';
import type { UploadResult, UploadStrategy } from './strategies/types.js';

/** A file of the list: its snapshot plus the File itself. */
export interface UploadFile extends UploadFileInfo {
  readonly file: File;
}

export interface UploadControllerOptions extends CredentialsConfig {
  /** A registered strategy's name or a strategy object. Default `signed-policy`. */
  strategy?: string | UploadStrategy;
  /** As the `accept` attribute of `<input type=file>`: `.png,image/*,application/pdf`. */
  accept?: string;
  /** Bytes. */
  maxSize?: number;
  /** Bytes. */
  minSize?: number;
  /** Most files the list may hold (until removed). */
  maxFiles?: number;
  /** When false, one file per selection: the rest are rejected with `too-many-files`. Default true. */
  multiple?: boolean;
  /** Prefix the page proposes to the endpoint. */
  dir?: string;
  /**
   * Files uploading at a time. Default (also for anything but a whole number ≥ 1): the strategy's
   * `concurrency` — 6 for signed-policy and sts, whose requests go to the bucket's host, of which a
   * browser opens 6 connections; 3 for proxy (the page's own host) and strategies that do not say.
   */
  concurrency?: number;
  /** Automatic retries of a retryable failure; 0: none. Default 3 (also for anything but a whole number ≥ 0). */
  retries?: number;
  /** Base delay of the exponential backoff, ms. Default 1000 (also for a negative value or NaN). */
  retryDelay?: number;
  /** Longest delay between attempts, ms. Default 30 000. */
  maxRetryDelay?: number;
  /** Wait for `upload()` instead of starting on selection. */
  manual?: boolean;
  /** Ms without progress after which a transfer counts as a dropped connection (retryable). Default 60 000 (also for a negative value or NaN); 0: never. */
  stallTimeout?: number;
  /** See src/keys.ts. Default `{id}/{name}`. */
  keyTemplate?: string;
  /**
   * Settings for the strategy, by name: each strategy reads those it knows from the config its
   * `credentials()` returns (these, under the options above) and ignores the rest; e.g. sts's
   * `engine`, `partSize`, `parallel`, `bucket`, `region`, `ossEndpoint`, `insecureAllowLongTermKeys`
   * (`StsSettings`). A change makes a new strategy instance (empty credential cache) for the files
   * that start afterwards.
   */
  strategyOptions?: Readonly<Record<string, unknown>>;
  /**
   * Runs in the file's upload slot before its key is made (image downscaling): the file to upload
   * instead, or undefined to upload it as it is. Once per file; a retry sends what it returned.
   */
  transform?: (file: File, signal: AbortSignal) => Promise<File | undefined>;
}

/**
 * A strategy that can pause a running upload (sts): found structurally, by `pause` and `resume`
 * functions. `pause(file)` returns false when that upload cannot pause (it is not running, or it
 * goes in one request); `resume(file)` false when it was not paused.
 */
interface PausableStrategy extends UploadStrategy {
  pause(file: Blob): boolean;
  resume(file: Blob): boolean;
  /** Whether this file's running upload could pause (false: it goes in one request), so no pause button shows for it. */
  pausable?(file: Blob): boolean;
}

function canPause(strategy: UploadStrategy | undefined): strategy is PausableStrategy {
  const s = strategy as Partial<PausableStrategy> | undefined;
  return typeof s?.pause === 'function' && typeof s.resume === 'function';
}

function sameSettings(a: Readonly<Record<string, unknown>> | undefined, b: Readonly<Record<string, unknown>> | undefined): boolean {
  if (a === b) return true;
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => Object.is(a?.[k], b?.[k]));
}

interface Entry {
  id: string;
  file: File;
  /** The chosen file, when `transform` replaced it (`file` is then what is uploaded). */
  original?: File;
  /** `transform` ran for this file. */
  transformed?: boolean;
  status: UploadStatus;
  loaded: number;
  attempt: number;
  key?: string;
  url?: string;
  error?: UploadErrorData;
  run?: AbortController;
  /** A progress event with loaded === total went out in this run. */
  completeReported?: boolean;
  /** The strategy instance sending the file in this run (pause and resume go to it). */
  strategy?: UploadStrategy;
  /** The strategy has reported progress in this attempt: its upload is under way, so it can answer pause(). */
  moving?: boolean;
  /** pause() was refused in this attempt (the upload cannot pause): no pause button. */
  pauseRefused?: boolean;
  /** The strategy holds this file's upload paused (also across a retry while paused). */
  pausedInStrategy?: boolean;
  /** The request that decides whether the file exists is under way (UploadContext.onCommit). */
  committing?: boolean;
  /** abort() came while `committing`: the file ends as the strategy settles (stored: success). */
  abortHeld?: boolean;
}

const ACTIVE: ReadonlySet<UploadStatus> = new Set(['uploading', 'paused', 'retrying']);
const FINISHED: ReadonlySet<UploadStatus> = new Set(['success', 'error', 'aborted', 'skipped']);

let nextId = 1;

const CREDENTIAL_OPTIONS = ['endpoint', 'requestHeaders', 'withCredentials', 'fetchCredentials'] as const;

/** Whether a file matches an `accept` list (extensions, `type/*`, exact types; case-insensitive). */
export function matchesAccept(file: { name: string; type: string }, accept: string | undefined): boolean {
  const tokens = (accept ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tokens.length === 0) return true;
  const name = file.name.toLowerCase();
  const type = file.type.toLowerCase();
  return tokens.some((t) => {
    if (t.startsWith('.')) return name.endsWith(t);
    if (t.endsWith('/*')) return type.startsWith(t.slice(0, -1));
    return type === t;
  });
}

const percentOf = (loaded: number, total: number) => (total > 0 ? Math.floor((loaded / total) * 100) : 100);

/** A count option: the value when it is a whole number ≥ `min`, else the default (as the element, which also warns). */
const whole = (value: number | undefined, min: number, fallback: number): number =>
  (value !== undefined && Number.isInteger(value) && value >= min ? value : fallback);
/** A duration option, ms: the value when it is a number ≥ 0, else the default. */
const duration = (value: number | undefined, fallback: number): number => (value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback);

export interface UploadController {
  addEventListener<K extends keyof OssUploadEventMap>(type: K, listener: (event: OssUploadEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof OssUploadEventMap>(type: K, listener: (event: OssUploadEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export class UploadController extends EventTarget {
  #options: UploadControllerOptions;
  readonly #onChange: () => void;
  readonly #entries: Entry[] = [];
  /** Ids of the files in the current batch (from the first queued file until complete). */
  readonly #batch = new Set<string>();
  #strategyName?: string;
  #strategy?: UploadStrategy;
  #active = 0;

  constructor(options: UploadControllerOptions = {}, onChange: () => void = () => {}) {
    super();
    this.#options = { ...options };
    this.#onChange = onChange;
  }

  /** Changes options; takes effect for files that start afterwards (concurrency at once). */
  configure(options: Partial<UploadControllerOptions>): void {
    const before = this.#options;
    this.#options = { ...before, ...options };
    // Credentials cached for one endpoint or one set of headers (one signed-in user) must not
    // serve another: a new strategy instance starts with an empty cache.
    if (CREDENTIAL_OPTIONS.some((name) => name in options && options[name] !== before[name])) this.#strategy = undefined;
    // Strategy settings may shape the cached credentials too (sts reads bucket and region into them).
    if ('strategyOptions' in options && !sameSettings(options.strategyOptions, before.strategyOptions)) this.#strategy = undefined;
    this.#pump();
  }

  get options(): Readonly<UploadControllerOptions> {
    return this.#options;
  }

  /** The files and their state, oldest first: snapshots (read-only). */
  get files(): readonly UploadFile[] {
    return this.#entries.map((e) => Object.freeze({ ...this.#info(e), file: e.file }));
  }

  /** Whether any file is queued, uploading or waiting to retry. */
  get busy(): boolean {
    return this.#entries.some((e) => e.status === 'queued' || ACTIVE.has(e.status));
  }

  /** Totals over the current batch. */
  get batch(): BatchProgress {
    let loaded = 0;
    let total = 0;
    let done = 0;
    for (const id of this.#batch) {
      const e = this.#find(id);
      if (!e) continue;
      if (FINISHED.has(e.status)) done++;
      if (e.status === 'aborted' || e.status === 'skipped') continue;
      loaded += e.loaded;
      total += e.file.size;
    }
    return { loaded, total, percent: percentOf(loaded, total), files: this.#batch.size, done };
  }

  /**
   * Validates and lists files; fires `oss-upload-select` for those accepted and `oss-upload-reject`
   * for the others (after `refused`, files refused before they got here: a folder too deep); starts
   * them unless `manual`. Returns the accepted files' ids.
   */
  addFiles(files: Iterable<File> | ArrayLike<File>, refused: readonly RejectedFile[] = []): string[] {
    const list = Array.from(files as ArrayLike<File>);
    const o = this.#options;
    const rejected: RejectedFile[] = [...refused];
    const added: Entry[] = [];
    const limit = o.maxFiles !== undefined && o.maxFiles >= 0 ? o.maxFiles : Infinity;
    const maxForStrategy = this.#resolveStrategy()?.maxFileSize;
    for (const [index, file] of list.entries()) {
      const reject = (code: RejectedFile['code'], message: string, bound?: number) =>
        rejected.push({ name: file.name, size: file.size, type: file.type, code, message, ...(bound !== undefined ? { limit: bound } : {}) });
      if (o.multiple === false && index > 0) reject('too-many-files', 'Only one file can be chosen at a time.', 1);
      else if (this.#entries.length + added.length >= limit) reject('too-many-files', `At most ${limit} file${limit === 1 ? '' : 's'} can be uploaded.`, limit);
      else if (!matchesAccept(file, o.accept)) reject('wrong-type', `"${file.name}" is not an accepted type (${o.accept}).`);
      else if (o.maxSize !== undefined && file.size > o.maxSize) reject('too-large', `"${file.name}" is larger than ${o.maxSize} bytes.`, o.maxSize);
      else if (o.minSize !== undefined && file.size < o.minSize) reject('too-small', `"${file.name}" is smaller than ${o.minSize} bytes.`, o.minSize);
      else if (maxForStrategy !== undefined && file.size > maxForStrategy) {
        reject('too-large-for-strategy', `"${file.name}" is larger than the ${this.#strategyLabel()} strategy can send (${maxForStrategy} bytes): use the sts strategy.`,
          maxForStrategy);
      } else {
        added.push({ id: `f${nextId++}`, file, status: o.manual ? 'pending' : 'queued', loaded: 0, attempt: 0 });
      }
    }
    this.#entries.push(...added);
    if (!o.manual) for (const e of added) this.#batch.add(e.id);
    if (added.length) this.dispatchEvent(new OssUploadSelectEvent({ files: added.map((e) => this.#info(e)) }));
    if (rejected.length) this.dispatchEvent(new OssUploadRejectEvent({ files: rejected }));
    this.#onChange();
    this.#pump();
    return added.map((e) => e.id);
  }

  /** Starts the files that wait for it (`manual`). */
  upload(): void {
    for (const e of this.#entries) {
      if (e.status !== 'pending') continue;
      e.status = 'queued';
      this.#batch.add(e.id);
    }
    this.#onChange();
    this.#pump();
  }

  /**
   * Aborts one file, or every unfinished one; fires `oss-upload-abort` for each. While the request
   * that decides whether the file exists is under way, the abort is left to the strategy (it stops
   * that request if its body is still going, else waits for the answer), and the file ends as the
   * strategy settles: `success` when stored, so that a file reported `aborted` never exists on OSS.
   */
  abort(id?: string): void {
    for (const e of this.#select(id)) {
      if (FINISHED.has(e.status)) continue;
      if (e.committing && e.status === 'uploading') {
        if (!e.abortHeld) {
          e.abortHeld = true;
          e.run?.abort(); // the strategy's transport decides: cut off, or wait for the answer
        }
        continue;
      }
      e.status = 'aborted';
      e.run?.abort();
      // A paused upload rejects at once (the strategy aborts it on OSS); unpaused afterwards, so
      // that a retry of the same file does not start paused.
      this.#unpause(e);
      this.dispatchEvent(new OssUploadAbortEvent({ file: this.#info(e) }));
    }
    this.#onChange();
    this.#checkComplete();
    this.#pump();
  }

  /**
   * Pauses one uploading file, or all of them, when the strategy can (sts's multipart uploads):
   * no new bytes go out, what OSS stored is kept, the file keeps its upload slot. Status `paused`,
   * fires `oss-upload-pause`; not an error, nothing is retried. Returns whether a file was paused
   * (false when the strategy cannot pause, or this upload cannot: a file sent in one request).
   */
  pause(id?: string): boolean {
    let any = false;
    for (const e of this.#select(id)) {
      // The request that decides whether the file exists goes on whatever a pause says (see pausable in #info).
      if (e.status !== 'uploading' || e.committing || !canPause(e.strategy)) continue;
      if (!e.strategy.pause(e.file)) {
        if (e.moving && !e.pauseRefused) {
          e.pauseRefused = true; // under way and still refused: this upload cannot pause
          this.#onChange();
        }
        continue;
      }
      any = true;
      e.pausedInStrategy = true;
      e.status = 'paused';
      this.dispatchEvent(new OssUploadPauseEvent({ file: this.#info(e) }));
    }
    if (any) this.#onChange();
    return any;
  }

  /** Continues one paused file, or all of them, from what was stored; fires `oss-upload-resume`. Returns whether a file was paused. */
  resume(id?: string): boolean {
    let any = false;
    for (const e of this.#select(id)) {
      if (e.status !== 'paused') continue;
      any = true;
      this.#unpause(e);
      e.status = 'uploading';
      this.dispatchEvent(new OssUploadResumeEvent({ file: this.#info(e) }));
    }
    if (any) this.#onChange();
    return any;
  }

  /** Queues again one failed, aborted or skipped file, or all of them; fires `oss-upload-retry`. */
  retry(id?: string): void {
    for (const e of this.#select(id)) {
      if (e.status !== 'error' && e.status !== 'aborted' && e.status !== 'skipped') continue;
      const error = e.error;
      e.status = 'queued';
      e.loaded = 0;
      e.attempt = 0;
      delete e.error;
      delete e.url;
      this.#batch.add(e.id);
      this.dispatchEvent(new OssUploadRetryEvent({ file: this.#info(e), attempt: 1, delay: 0, manual: true, ...(error ? { error } : {}) }));
    }
    this.#onChange();
    this.#pump();
  }

  /**
   * Takes a file off the list, aborting it first if it is unfinished. A file whose last byte has
   * gone cannot be stopped: its outcome event (success or abort) still comes, for a file no longer listed.
   */
  remove(id: string): void {
    const e = this.#find(id);
    if (!e) return;
    if (!FINISHED.has(e.status) && e.status !== 'pending') this.abort(id);
    e.run?.abort();
    this.#entries.splice(this.#entries.indexOf(e), 1);
    this.#batch.delete(id);
    this.#onChange();
    this.#checkComplete();
  }

  /** Empties the list, aborting unfinished files. */
  clear(): void {
    for (const e of [...this.#entries]) this.remove(e.id);
  }

  // ---- internals ----

  #find(id: string): Entry | undefined {
    return this.#entries.find((e) => e.id === id);
  }

  #select(id: string | undefined): Entry[] {
    if (id === undefined) return [...this.#entries];
    const e = this.#find(id);
    return e ? [e] : [];
  }

  #info(e: Entry): UploadFileInfo {
    const info: UploadFileInfo = {
      id: e.id, name: e.file.name, size: e.file.size, type: e.file.type, status: e.status,
      loaded: e.loaded, total: e.file.size, percent: percentOf(e.loaded, e.file.size), attempt: e.attempt,
    };
    if (e.file.webkitRelativePath) info.relativePath = e.file.webkitRelativePath;
    if (e.original) info.originalSize = e.original.size;
    if (e.key !== undefined) info.key = e.key;
    if (e.url !== undefined) info.url = e.url;
    if (e.error !== undefined) info.error = { ...e.error };
    if (e.status === 'paused' || (e.status === 'uploading' && e.moving && !e.pauseRefused && !e.committing && canPause(e.strategy)
      && e.strategy.pausable?.(e.file) !== false)) info.pausable = true;
    return info;
  }

  /** Lets the strategy go on with a file it holds paused (resume, abort, the end of a run). */
  #unpause(e: Entry): void {
    if (!e.pausedInStrategy) return;
    e.pausedInStrategy = false;
    if (canPause(e.strategy)) e.strategy.resume(e.file);
  }

  #strategyLabel(): string {
    const s = this.#options.strategy;
    return typeof s === 'string' ? s : s?.name ?? DEFAULT_STRATEGY;
  }

  /** The strategy instance: one per element and strategy name, so its credential cache is shared by the files. */
  #resolveStrategy(): UploadStrategy | undefined {
    const s = this.#options.strategy ?? DEFAULT_STRATEGY;
    if (typeof s !== 'string') return s;
    if (this.#strategyName !== s || !this.#strategy) {
      const factory = getStrategy(s);
      this.#strategyName = s;
      // Strategy settings first, so that they never shadow the controller's own options.
      this.#strategy = factory?.({ credentials: () => ({ ...this.#options.strategyOptions, ...this.#options }) });
    }
    return this.#strategy;
  }

  #pump(): void {
    const limit = whole(this.#options.concurrency, 1, whole(this.#resolveStrategy()?.concurrency, 1, 3));
    while (this.#active < limit) {
      const next = this.#entries.find((e) => e.status === 'queued');
      if (!next) break;
      this.#active++;
      void this.#run(next).finally(() => {
        this.#active--;
        this.#checkComplete();
        this.#pump();
      });
    }
  }

  #checkComplete(): void {
    if (this.#batch.size === 0 || this.#active > 0) return;
    const batch = [...this.#batch].map((id) => this.#find(id)).filter((e): e is Entry => e !== undefined);
    if (batch.some((e) => !FINISHED.has(e.status))) return;
    this.#batch.clear();
    const pick = (status: UploadStatus) => batch.filter((e) => e.status === status).map((e) => this.#info(e));
    this.dispatchEvent(new OssUploadCompleteEvent({ successful: pick('success'), failed: pick('error'), aborted: pick('aborted') }));
  }

  /** Fires progress when bytes went forward (never back, also when a retry starts again from 0); `final` ends at loaded === total. */
  #progress(e: Entry, loaded: number, final = false): void {
    if (final ? e.completeReported : loaded <= e.loaded) return;
    e.loaded = Math.min(Math.max(loaded, e.loaded), e.file.size);
    if (e.loaded === e.file.size) e.completeReported = true;
    this.dispatchEvent(new OssUploadProgressEvent({
      file: this.#info(e), loaded: e.loaded, total: e.file.size, percent: percentOf(e.loaded, e.file.size), batch: this.batch,
    }));
    this.#onChange();
  }

  #delay(attempt: number): number {
    const base = duration(this.#options.retryDelay, 1000);
    const cap = Math.max(base, duration(this.#options.maxRetryDelay, 30_000));
    const exponential = Math.min(cap, base * 2 ** (attempt - 1));
    // "Equal jitter": half fixed, half random, so retries of many files spread out but never hammer.
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  async #run(e: Entry): Promise<void> {
    const run = new AbortController();
    e.run = run;
    e.status = 'uploading';
    e.attempt = 1;
    e.abortHeld = false;
    e.completeReported = false;
    if (this.#options.transform && !e.transformed) {
      e.transformed = true;
      this.#onChange();
      const out = await this.#options.transform(e.file, run.signal).catch(() => undefined); // a file it cannot read goes as it is
      if (e.status !== 'uploading') return; // aborted or removed meanwhile
      if (out) {
        e.original = e.file;
        e.file = out;
      }
    }
    const contentType = e.file.type || 'application/octet-stream';

    let key: string;
    const meta: Record<string, string> = {};
    try {
      key = renderKeyTemplate(this.#options.keyTemplate || DEFAULT_KEY_TEMPLATE, e.file);
    } catch (error) {
      return this.#fail(e, UploadError.from(error));
    }
    const before = new OssUploadBeforeEvent({ file: this.#info(e), key, meta });
    this.dispatchEvent(before);
    if (e.status !== 'uploading') return; // aborted or removed by a listener
    if (before.defaultPrevented) {
      e.status = 'skipped';
      this.#onChange();
      return;
    }
    key = String(before.detail.key);
    const strategy = this.#resolveStrategy();
    if (!strategy) return this.#fail(e, new UploadError('unknown-strategy', `No strategy "${this.#strategyLabel()}" is registered.`));
    e.key = key;
    e.strategy = strategy;
    this.dispatchEvent(new OssUploadStartEvent({ file: this.#info(e) }));
    this.#onChange();

    const retries = whole(this.#options.retries, 0, 3);
    for (;;) {
      let result: UploadResult;
      e.moving = false;
      e.pauseRefused = false;
      e.committing = false;
      try {
        const dir = this.#options.dir;
        result = await strategy.upload(e.file, {
          key, meta: { ...before.detail.meta }, contentType, signal: run.signal, stallTimeout: duration(this.#options.stallTimeout, 60_000),
          ...(dir ? { dir } : {}),
          onProgress: (loaded) => {
            if (run.signal.aborted) return;
            if (!e.moving) {
              e.moving = true;
              if (canPause(strategy)) this.#onChange(); // the pause button may show now
            }
            this.#progress(e, loaded);
          },
          onRetry: (retry) => {
            if (run.signal.aborted) return;
            this.dispatchEvent(new OssUploadRetryEvent({
              file: this.#info(e), attempt: retry.attempt, delay: retry.delay, manual: false, error: UploadError.from(retry.error).toJSON(),
              operation: retry.operation, ...(retry.part !== undefined ? { part: retry.part } : {}),
            }));
          },
          onCommit: (pending) => {
            if (e.run !== run) return;
            e.committing = pending;
            if (canPause(strategy)) this.#onChange(); // the pause button goes, or comes back
          },
        });
      } catch (thrown) {
        const error = UploadError.from(thrown);
        // An abort held for the answer (see abort()): no success means nothing stored — unless no
        // answer came (network), which the error then says.
        if (e.abortHeld) return this.#fail(e, error.code === 'network' || error.code === 'unknown' ? error : abortedError());
        if (run.signal.aborted || (e.status as UploadStatus) === 'aborted') return; // abort() has said so already
        if (!error.retryable || e.attempt > retries) return this.#fail(e, error);
        // Failing while paused: the strategy keeps the file paused for the next attempt.
        const delay = this.#delay(e.attempt);
        e.attempt++;
        e.status = 'retrying';
        this.dispatchEvent(new OssUploadRetryEvent({ file: this.#info(e), attempt: e.attempt, delay, manual: false, error: error.toJSON() }));
        this.#onChange();
        try {
          await sleep(delay, run.signal);
        } catch {
          return;
        }
        if (e.status !== 'retrying') return;
        e.status = e.pausedInStrategy ? 'paused' : 'uploading';
        this.#onChange();
        continue;
      }
      // Paused as its last request finished: done all the same.
      if (e.status !== 'uploading' && e.status !== 'paused') return;
      this.#unpause(e);
      this.#progress(e, e.file.size, true);
      e.status = 'success';
      e.key = result.key;
      e.url = result.url;
      const detail = { file: this.#info(e), key: result.key, bucket: result.bucket, url: result.url, strategy: strategy.name } as const;
      this.dispatchEvent(new OssUploadSuccessEvent({
        ...detail,
        ...(result.etag !== undefined ? { etag: result.etag } : {}),
        ...(result.requestId !== undefined ? { requestId: result.requestId } : {}),
        ...(result.callback !== undefined ? { callback: result.callback } : {}),
      }));
      this.#onChange();
      return;
    }
  }

  #fail(e: Entry, error: UploadError): void {
    this.#unpause(e);
    if (error.code === 'aborted') {
      if (e.status !== 'aborted') {
        e.status = 'aborted';
        this.dispatchEvent(new OssUploadAbortEvent({ file: this.#info(e) }));
      }
      this.#onChange();
      return;
    }
    e.status = 'error';
    e.error = error.toJSON();
    this.dispatchEvent(new OssUploadErrorEvent({ file: this.#info(e), ...error.toJSON() }));
    this.#onChange();
  }
}

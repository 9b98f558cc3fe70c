// sts: temporary credentials from the app's endpoint, then the bytes straight to OSS through the
// lean multipart engine (src/strategies/multipart), or through ali-oss with `engine: 'ali-oss'`
// (oss-upload/ali-oss, an entry of its own, registers it here). One strategy instance per
// element: its credentials are shared by every file and part, fetched once, refreshed shortly
// before `Expiration` and again when OSS refuses the token, one refresh in flight at a time.
// Credentials without a security token (a long-term AccessKey in the page) are refused unless the
// page opts in with `insecureAllowLongTermKeys`. DESIGN.md "sts"; OSS-PROTOCOL.md §5, §7.
import { CredentialCache, abortable, requestCredentials, type CredentialsConfig, type Expiring } from '../credentials.js';
import { UploadError, credentialsExpiredError } from '../errors.js';
import { joinKey, objectUrl } from '../keys.js';
import type { V4Credentials } from '../signing/index.js';
import { LocalCheckpointStore, fileSample, fingerprint, type CheckpointStore } from './multipart/checkpoint.js';
import { MultipartUpload, PauseControl, type CredentialSource } from './multipart/engine.js';
import { TOKEN_ERRORS, abortedError, bucketUrl, type OssTarget } from './multipart/http.js';
import type { AliOssKit, uploadWithAliOss } from './sts-alioss.js';
import { CONNECTIONS_PER_HOST, DEFAULT_PUT_THRESHOLD, MAX_MULTIPART_SIZE, planParts } from './multipart/plan.js';
import type { StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';
import { HELD_ABORT_MS } from './xhr.js';

/**
 * Settings of the sts strategy. Given to the factory, or present in the config that
 * `credentials()` returns (the controller hands its options there; those win).
 */
export interface StsSettings {
  /** Used when the endpoint's answer has no `bucket` (the raw STS `Credentials` shape). */
  bucket?: string;
  /** Used when the endpoint's answer has no `region`: `cn-hangzhou` or `oss-cn-hangzhou`. */
  region?: string;
  /** Used when the answer has no `endpoint`: a custom OSS endpoint such as `http://localhost:9000` (path-style). */
  ossEndpoint?: string;
  /** `native` (default): the lean engine. `ali-oss`: ali-oss's multipartUpload, downloaded when first used. */
  engine?: 'native' | 'ali-oss';
  /** Bytes per part, raised so 10,000 parts hold the file. Default: cut to the link's measured rate (multipart/plan.ts; engine ali-oss: by file size). */
  partSize?: number;
  /** The most parts in flight per file. Default: as many as make it faster, up to the host's 6 connections, shared with the other files (engine ali-oss: 4). */
  parallel?: number;
  /** Files up to this size go as one PutObject. Default 8 MiB. */
  putThreshold?: number;
  /** Retries of one part after a retryable failure (network, 5xx). Default 5. */
  partRetries?: number;
  /** Base of the per-part backoff, ms. Default 500. */
  partRetryDelay?: number;
  /** Keep checkpoints in localStorage so that a new page continues the upload. Default true. */
  resumable?: boolean;
  /**
   * Accept credentials without a security token (a long-term AccessKey). Anyone who opens the
   * page can then read the key and use it for anything it allows: only for local development.
   */
  insecureAllowLongTermKeys?: boolean;
}

export interface StsStrategyOptions extends StrategyOptions, StsSettings {
  /** Where checkpoints are kept. Default: memory plus localStorage (`resumable`). */
  checkpoints?: CheckpointStore;
}

/** Credentials as the strategy uses them, whichever shape the endpoint answered in. */
export interface StsGrant {
  credentials: V4Credentials;
  bucket: string;
  region: string;
  endpoint?: string;
  /** The prefix the server granted; keys start with it. */
  dir: string;
  /** ms since the epoch, when the answer said. */
  expiresAt?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(message: string): UploadError {
  return new UploadError('credentials-invalid', `The upload endpoint's answer is not STS credentials: ${message}`);
}

function pick(o: Json, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = o[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * Validates the endpoint's JSON: `{accessKeyId, accessKeySecret, stsToken | securityToken, bucket,
 * region, endpoint?, expiration?, dir?}`, or the raw STS `Credentials` `{AccessKeyId,
 * AccessKeySecret, SecurityToken, Expiration}` (also wrapped as AssumeRole's `{Credentials}`),
 * with bucket and region from `defaults`.
 */
export function parseStsCredentials(body: unknown, defaults: Pick<StsSettings, 'bucket' | 'region' | 'ossEndpoint'> = {}): StsGrant {
  if (!isObject(body)) throw invalid('expected a JSON object.');
  const inner = isObject(body['Credentials']) ? { ...body, ...body['Credentials'] } : body;
  const accessKeyId = pick(inner, 'accessKeyId', 'AccessKeyId');
  const accessKeySecret = pick(inner, 'accessKeySecret', 'AccessKeySecret');
  if (!accessKeyId) throw invalid('"accessKeyId" is missing.');
  if (!accessKeySecret) throw invalid('"accessKeySecret" is missing.');
  const securityToken = pick(inner, 'stsToken', 'securityToken', 'SecurityToken', 'security_token');
  const bucket = pick(inner, 'bucket', 'Bucket') ?? defaults.bucket;
  const region = (pick(inner, 'region', 'Region') ?? defaults.region)?.replace(/^oss-/, '');
  if (!bucket) throw invalid('"bucket" is missing (set the bucket attribute when the endpoint answers with raw STS credentials).');
  if (!region) throw invalid('"region" is missing (set the region attribute when the endpoint answers with raw STS credentials).');
  const endpoint = pick(inner, 'endpoint', 'Endpoint') ?? defaults.ossEndpoint;
  if (endpoint) {
    try {
      bucketUrl({ bucket, region, endpoint });
    } catch {
      throw invalid(`"endpoint" (${endpoint}) is not a URL.`);
    }
  }
  const dirValue = inner['dir'];
  if (dirValue !== undefined && dirValue !== null && typeof dirValue !== 'string') throw invalid('"dir" is not a string.');
  const expiration = inner['expiration'] ?? inner['Expiration'];
  let expiresAt: number | undefined;
  if (typeof expiration === 'string' && !Number.isNaN(Date.parse(expiration))) expiresAt = Date.parse(expiration);
  else if (typeof expiration === 'number' && expiration > 0) expiresAt = expiration > 1e12 ? expiration : expiration * 1000;

  const grant: StsGrant = {
    credentials: { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) },
    bucket, region, dir: (dirValue ?? '').replace(/^\/+/, ''),
  };
  if (endpoint) grant.endpoint = endpoint;
  if (expiresAt !== undefined) grant.expiresAt = expiresAt;
  return grant;
}

/**
 * When to fetch new credentials: before `Expiration`, by a fifth of the lifetime left at arrival
 * (at most 2 minutes), so a 15-minute token serves 13 minutes and a 5-second test token 4 s.
 * Without an expiration (or with one already past, a wrong clock), only OSS's refusal refreshes.
 */
export function refreshTime(expiresAt: number | undefined, now = Date.now()): number {
  if (expiresAt === undefined || expiresAt <= now) return Number.MAX_SAFE_INTEGER;
  return expiresAt - Math.min(120_000, (expiresAt - now) / 5);
}

/** What the lazily loaded ali-oss engine borrows from the package (see sts-alioss.ts). */
const ALI_OSS_KIT: AliOssKit = {
  error: (code, message, init) => new UploadError(code, message, init),
  aborted: abortedError,
  abortable,
  tokenErrors: TOKEN_ERRORS,
  expired: (init) => credentialsExpiredError('credentials', init),
  heldAbortMs: HELD_ABORT_MS,
};

/**
 * The ali-oss engine, present once `oss-upload/ali-oss` (src/ali-oss.ts) is imported: it registers
 * itself, so that bundles of apps that never import it hold no ali-oss code at all.
 */
let aliOssEngine: typeof uploadWithAliOss | undefined;

/** Called by `oss-upload/ali-oss` when imported; makes `engine: 'ali-oss'` available. */
export function registerAliOssEngine(engine: typeof uploadWithAliOss): void {
  aliOssEngine = engine;
}

/** The sts strategy: see the file's comment. One instance per element. */
export class StsStrategy implements UploadStrategy {
  readonly name = 'sts';
  readonly maxFileSize = MAX_MULTIPART_SIZE;
  /** Files and their parts share the 6 connections a browser opens to the bucket's host (multipart/connections.ts). */
  readonly concurrency = CONNECTIONS_PER_HOST;
  readonly #options: StsStrategyOptions;
  readonly #cache = new CredentialCache<StsGrant>();
  /** The endpoint's latest answer: what a `credentials-expired` message says about its expiry. */
  #lastGrant?: StsGrant;
  /** The credentials object handed to the engine → the grant it came from (to invalidate exactly that one). */
  readonly #grantOf = new WeakMap<V4Credentials, StsGrant>();
  readonly #checkpoints: CheckpointStore;
  readonly #pausers = new Map<Blob, PauseControl>();
  readonly #running = new Map<Blob, number>();

  constructor(options: StsStrategyOptions) {
    this.#options = options;
    this.#checkpoints = options.checkpoints ?? new LocalCheckpointStore({ persist: options.resumable ?? true });
  }

  /** The settings in force: the factory's, overridden by what `credentials()` carries. */
  #settings(): CredentialsConfig & StsSettings {
    const fromConfig = this.#options.credentials() as CredentialsConfig & StsSettings;
    const merged: Record<string, unknown> = { ...this.#options };
    for (const [k, v] of Object.entries(fromConfig)) if (v !== undefined) merged[k] = v;
    return merged as CredentialsConfig & StsSettings;
  }

  /**
   * Pauses the upload of this file: parts in flight are stopped (their bytes go again after
   * resume), no new part starts, the multipart upload stays on OSS. `upload()` stays pending.
   * Returns whether the running upload of the file paused: not a PutObject (small file), nor one
   * whose parts are all stored (its Complete goes on whatever a pause says).
   */
  pause(file: Blob): boolean {
    const control = this.#pausers.get(file);
    if (!control || control.closed) return false;
    control.pause();
    return true;
  }

  /** Continues a paused upload from the parts done. Returns whether one was paused. */
  resume(file: Blob): boolean {
    const control = this.#pausers.get(file);
    if (!control?.paused) return false;
    control.resume();
    return true;
  }

  /** Whether the running upload of this file can pause: a multipart one can until its Complete is next, a PutObject (small file) cannot. */
  pausable(file: Blob): boolean {
    const control = this.#pausers.get(file);
    return control !== undefined && !control.closed;
  }

  isPaused(file: Blob): boolean {
    return this.#pausers.get(file)?.paused ?? false;
  }

  /** Calls `listener(paused)` whenever the running upload of this file is paused or resumed; returns the unsubscribe. */
  onPauseChange(file: Blob, listener: (paused: boolean) => void): () => void {
    return this.#pausers.get(file)?.onChange(listener) ?? (() => {});
  }

  #pauser(file: Blob): PauseControl {
    let control = this.#pausers.get(file);
    if (!control) {
      control = new PauseControl();
      this.#pausers.set(file, control);
    }
    return control;
  }

  /**
   * A `credentials-expired` failure: the refused grant leaves the cache (the next file asks the
   * endpoint afresh), and the message gains what the endpoint's latest answer said about the expiry.
   */
  #expired(error: unknown, cacheKey: string): unknown {
    if (!(error instanceof UploadError) || error.code !== 'credentials-expired') return error;
    this.#cache.invalidate(cacheKey);
    const expiresAt = this.#lastGrant?.expiresAt;
    if (expiresAt === undefined) return error;
    const late = Math.round((Date.now() - expiresAt) / 1000);
    const when = new Date(expiresAt).toISOString();
    const said = late >= 0
      ? `the endpoint's latest answer says they expired at ${when}, ${late} s before this page's clock`
      : `the endpoint's latest answer says they expire at ${when}, ${-late} s after this page's clock: OSS's clock or the server's disagrees`;
    const { code: _code, message: _message, ...init } = error.toJSON();
    return credentialsExpiredError('credentials', init, said);
  }

  /** The shared credentials, as the engine asks for them. */
  #source(cacheKey: string, fetcher: () => Promise<Expiring<StsGrant>>): CredentialSource & { grant(signal: AbortSignal): Promise<StsGrant> } {
    const grant = async (signal: AbortSignal) => {
      const value = await this.#cache.get(cacheKey, () => true, fetcher, signal);
      this.#grantOf.set(value.credentials, value);
      return value;
    };
    return {
      grant,
      current: async (signal) => (await grant(signal)).credentials,
      refresh: async (stale, signal) => {
        const staleGrant = this.#grantOf.get(stale);
        // Only the refused grant is dropped: when a newer one is cached (or on its way), every
        // part that still held the old one simply picks the newer up. One fetch per expiry.
        if (staleGrant) this.#cache.invalidate(cacheKey, staleGrant);
        return (await grant(signal)).credentials;
      },
    };
  }

  async upload(file: Blob & { readonly name?: string; readonly lastModified?: number }, ctx: UploadContext): Promise<UploadResult> {
    const config = this.#settings();
    const name = file.name ?? 'blob';
    if (file.size > MAX_MULTIPART_SIZE) {
      throw new UploadError('too-large-for-strategy', `"${name}" is larger than OSS's largest object (${MAX_MULTIPART_SIZE} bytes).`);
    }
    const cacheKey = `${config.endpoint ?? ''}\n${ctx.dir ?? ''}`;
    const fetcher = async (): Promise<Expiring<StsGrant>> => {
      // Shared by every file and part waiting for it: not tied to one file's signal.
      const json = await requestCredentials(config, {
        strategy: this.name, name, size: file.size, type: ctx.contentType, ...(ctx.dir ? { dir: ctx.dir } : {}),
        signal: new AbortController().signal,
      });
      const value = parseStsCredentials(json, config);
      if (!value.credentials.securityToken && !config.insecureAllowLongTermKeys) {
        throw new UploadError('insecure-credentials',
          'The upload endpoint answered with credentials that have no security token: a long-term AccessKey, which every visitor of the page could read and use. '
          + 'Have the endpoint call STS AssumeRole (oss-upload/server\'s createStsHandler does) and answer with the temporary credentials; '
          + 'for local development only, opt in with insecureAllowLongTermKeys.');
      }
      const now = Date.now();
      this.#lastGrant = value;
      // An expiration already past on arrival means this page's clock is wrong, not the token:
      // keep it until OSS refuses it (else every request would fetch again; OSS's refusal of the
      // fresh ones too ends the upload as credentials-expired).
      const expiresAt = value.expiresAt !== undefined && value.expiresAt > now ? value.expiresAt : Number.MAX_SAFE_INTEGER;
      return { value, expiresAt, refreshAt: refreshTime(value.expiresAt, now) };
    };
    const source = this.#source(cacheKey, fetcher);
    // A file that goes as one PutObject has nothing to resume: no fingerprint to read. The file's
    // part of it is read while the credentials are on their way.
    const resumable = config.engine !== 'ali-oss' && (config.resumable ?? true) && file.size > (config.putThreshold ?? DEFAULT_PUT_THRESHOLD);
    const sample = resumable ? fileSample(file) : undefined;
    sample?.catch(() => {}); // a failure surfaces where the fingerprint awaits it (unless the credentials fail first)
    const grant = await source.grant(ctx.signal);
    const target: OssTarget = { bucket: grant.bucket, region: grant.region, ...(grant.endpoint ? { endpoint: grant.endpoint } : {}) };
    const key = joinKey(grant.dir, ctx.key);
    // Only a multipart upload can pause (ali-oss puts files under 100 KB in one request, as we do under putThreshold).
    const pausable = config.engine === 'ali-oss' ? file.size >= 100 * 1024 : file.size > (config.putThreshold ?? DEFAULT_PUT_THRESHOLD);
    const pause = pausable ? this.#pauser(file) : new PauseControl();
    this.#running.set(file, (this.#running.get(file) ?? 0) + 1);
    try {
      if (config.engine === 'ali-oss') {
        const uploadWithAliOss = aliOssEngine;
        if (!uploadWithAliOss) {
          throw new UploadError('unknown-strategy',
            'engine "ali-oss" is not loaded: import \'oss-upload/ali-oss\' once in the app (and install the ali-oss package), or use the default engine.');
        }
        const plan = planParts(file.size, {
          ...(config.partSize ? { partSize: config.partSize } : {}), ...(config.parallel ? { parallel: config.parallel } : {}),
        });
        const result = await uploadWithAliOss({
          file, target, key, contentType: ctx.contentType, meta: ctx.meta, signal: ctx.signal, onProgress: ctx.onProgress,
          credentials: source, pause, partSize: plan.partSize, parallel: plan.parallel, kit: ALI_OSS_KIT,
          ...(ctx.onRetry ? { onRetry: ctx.onRetry } : {}), ...(ctx.onCommit ? { onCommit: ctx.onCommit } : {}),
        });
        return { ...result, bucket: grant.bucket, url: objectUrl(bucketUrl(target), result.key) };
      }
      const scope = `${bucketUrl(target)}\n${grant.dir}`;
      const upload = new MultipartUpload({
        file, target, key, contentType: ctx.contentType, meta: ctx.meta, credentials: source, signal: ctx.signal,
        onProgress: ctx.onProgress, pause, checkpoints: this.#checkpoints,
        ...(ctx.onRetry ? { onRetry: ctx.onRetry } : {}), ...(ctx.onCommit ? { onCommit: ctx.onCommit } : {}),
        ...(ctx.stallTimeout !== undefined ? { stallTimeout: ctx.stallTimeout } : {}),
        ...(sample ? { fingerprint: await fingerprint(file, scope, sample) } : {}),
        ...(config.partSize ? { partSize: config.partSize } : {}),
        ...(config.parallel ? { parallel: config.parallel } : {}),
        ...(config.putThreshold !== undefined ? { putThreshold: config.putThreshold } : {}),
        ...(config.partRetries !== undefined ? { retries: config.partRetries } : {}),
        ...(config.partRetryDelay !== undefined ? { retryDelay: config.partRetryDelay } : {}),
      });
      const result = await upload.run();
      const out: UploadResult = { key: result.key, bucket: grant.bucket, url: objectUrl(bucketUrl(target), result.key) };
      if (result.etag) out.etag = result.etag;
      if (result.requestId) out.requestId = result.requestId;
      return out;
    } catch (error) {
      throw this.#expired(error, cacheKey);
    } finally {
      const left = (this.#running.get(file) ?? 1) - 1;
      if (left > 0) this.#running.set(file, left);
      else {
        this.#running.delete(file);
        // A paused file keeps its control, so that the controller's next attempt starts paused.
        if (!this.#pausers.get(file)?.paused) this.#pausers.delete(file);
      }
    }
  }
}

export function sts(options: StrategyOptions): StsStrategy {
  return new StsStrategy(options);
}

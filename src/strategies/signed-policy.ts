// signed-policy: ask the app's endpoint for a signed PostObject policy, then POST the file
// straight to OSS as multipart/form-data with XMLHttpRequest (for upload progress), `file` last.
// Accepts Alibaba's sample answer (V1) and the V4 `{host, dir, expire, fields}` of
// oss-upload/server. A policy is cached while it stays valid for more than a minute and reused
// for the other files of the same prefix when its conditions allow them. A policy OSS refuses as
// expired is replaced once by a fresh one; refused again, the file fails as `credentials-expired`.
// OSS-PROTOCOL.md §4, §8.
import { CredentialCache, requestCredentials, type Expiring } from '../credentials.js';
import { UploadError, credentialsExpiredError, isRetryableOssCode, isRetryableStatus } from '../errors.js';
import { bucketOf, joinKey, objectUrl } from '../keys.js';
import type { StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';
import { hostOf, sendXhr } from './xhr.js';

/** PostObject takes at most 5 GB (OSS: 400 EntityTooLarge above). */
export const POST_OBJECT_MAX_SIZE = 5 * 1024 ** 3;

/** A policy as the strategy uses it, whichever format the endpoint answered in. */
export interface SignedPolicy {
  /** Where the form goes: the bucket URL. */
  host: string;
  bucket: string;
  /** The prefix the server granted; keys start with it. */
  dir: string;
  /** ms since the epoch; 0 when the answer said nothing (then it is never reused). */
  expiresAt: number;
  /** Form fields to send before `key`'s companions and `file`, in order. */
  fields: Array<[string, string]>;
  /** The decoded policy document, when it could be read: to tell whether it fits another file. */
  conditions?: unknown[];
  format: 'v4' | 'v1';
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(message: string): UploadError {
  return new UploadError('credentials-invalid', `The upload endpoint's answer is not a signed policy: ${message}`);
}

function str(o: Json, name: string, where = ''): string {
  const v = o[name];
  if (typeof v !== 'string' || v === '') throw invalid(`"${where}${name}" is missing or not a string.`);
  return v;
}

function optionalStr(o: Json, name: string): string | undefined {
  const v = o[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`"${name}" is not a string.`);
  return v;
}

/** `expire` in seconds (Alibaba's sample) or ms; numbers or numeric strings. */
function expiryOf(o: Json, conditions: { expiration?: unknown } | undefined): number {
  const raw = o['expire'] ?? o['expiration'];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isFinite(n) && n > 0) return n > 1e12 ? n : n * 1000;
  if (typeof raw === 'string' && !Number.isNaN(Date.parse(raw))) return Date.parse(raw);
  const fromPolicy = typeof conditions?.expiration === 'string' ? Date.parse(conditions.expiration) : NaN;
  return Number.isNaN(fromPolicy) ? 0 : fromPolicy;
}

function decodePolicy(policy: string): { expiration?: unknown; conditions?: unknown[] } | undefined {
  try {
    const binary = atob(policy);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const doc: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!isObject(doc)) return undefined;
    return { expiration: doc['expiration'], conditions: Array.isArray(doc['conditions']) ? doc['conditions'] : undefined };
  } catch {
    return undefined;
  }
}

function checkHost(host: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw invalid(`"host" (${host}) is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`"host" (${host}) is not an http(s) URL.`);
  return host.replace(/\/+$/, '');
}

/** Validates the endpoint's JSON, V4 `{host, dir, expire, fields}` or V1 `{accessid, host, policy, signature, expire, dir}`. */
export function parseSignedPolicy(body: unknown): SignedPolicy {
  if (!isObject(body)) throw invalid('expected a JSON object.');
  const host = checkHost(str(body, 'host'));
  const dirValue = body['dir'];
  if (dirValue !== undefined && dirValue !== null && typeof dirValue !== 'string') throw invalid('"dir" is not a string.');
  const dir = (dirValue ?? '').replace(/^\/+/, '');
  const bucket = optionalStr(body, 'bucket') ?? bucketOf(host);
  const fields: Array<[string, string]> = [];
  let policyField: string;
  let format: SignedPolicy['format'];

  if (body['fields'] !== undefined) {
    const f = body['fields'];
    if (!isObject(f)) throw invalid('"fields" is not an object.');
    for (const name of ['policy', 'x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-signature']) str(f, name, 'fields.');
    for (const [name, value] of Object.entries(f)) {
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' && typeof value !== 'number') throw invalid(`"fields.${name}" is not a string.`);
      if (name.toLowerCase() === 'key' || name.toLowerCase() === 'file') continue; // ours to set
      fields.push([name, String(value)]);
    }
    policyField = str(f, 'policy', 'fields.');
    format = 'v4';
  } else {
    const accessid = str(body, 'accessid');
    policyField = str(body, 'policy');
    const signature = str(body, 'signature');
    fields.push(['OSSAccessKeyId', accessid], ['policy', policyField], ['Signature', signature]);
    const token = optionalStr(body, 'security_token') ?? optionalStr(body, 'securityToken') ?? optionalStr(body, 'x-oss-security-token');
    if (token) fields.push(['x-oss-security-token', token]);
    const callback = optionalStr(body, 'callback');
    if (callback) fields.push(['callback', callback]);
    const status = body['success_action_status'];
    if (typeof status === 'string' || typeof status === 'number') fields.push(['success_action_status', String(status)]);
    format = 'v1';
  }
  // 200 (not OSS's default 204) unless the server chose: the answer then carries ETag and request id.
  if (!fields.some(([n]) => n.toLowerCase() === 'success_action_status')) fields.push(['success_action_status', '200']);

  const decoded = decodePolicy(policyField);
  const policy: SignedPolicy = { host, bucket, dir, expiresAt: expiryOf(body, decoded), fields, format };
  if (decoded?.conditions) policy.conditions = decoded.conditions;
  return policy;
}

/** Whether a policy fetched for one file also allows another (size range, content types, no exact key). */
export function policyFits(policy: SignedPolicy, file: { size: number; contentType: string }): boolean {
  for (const c of policy.conditions ?? []) {
    if (isObject(c)) {
      const [name, value] = Object.entries(c)[0] ?? [];
      if (name?.toLowerCase() === 'key') return false;
      if (name?.toLowerCase() === 'content-type' && value !== file.contentType) return false;
      continue;
    }
    if (!Array.isArray(c)) continue;
    const [op, field, value] = c as unknown[];
    const target = typeof field === 'string' ? field.toLowerCase() : '';
    if (op === 'content-length-range' && typeof field === 'number' && typeof value === 'number') {
      if (file.size < field || file.size > value) return false;
    } else if (target === '$key' && op === 'eq') {
      return false;
    } else if (target === '$content-type') {
      if (op === 'eq' && value !== file.contentType) return false;
      if (op === 'starts-with' && typeof value === 'string' && !file.contentType.startsWith(value)) return false;
      if (op === 'in' && Array.isArray(value) && !value.includes(file.contentType)) return false;
      if (op === 'not-in' && Array.isArray(value) && value.includes(file.contentType)) return false;
    }
  }
  return true;
}

/** OSS's XML error body (§8) as plain fields. */
export function parseOssError(text: string): { code?: string; message?: string; requestId?: string } {
  if (!text || !text.includes('<Error')) return {};
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const get = (name: string) => doc.querySelector(`Error > ${name}`)?.textContent?.trim() || undefined;
  const out: { code?: string; message?: string; requestId?: string } = {};
  const code = get('Code');
  const message = get('Message');
  const requestId = get('RequestId');
  if (code) out.code = code;
  if (message) out.message = message;
  if (requestId) out.requestId = requestId;
  return out;
}

/** OSS refused the form because its policy (or the STS token that signed it) has expired. */
function refusedAsExpired(error: UploadError): boolean {
  return error.ossCode === 'SecurityTokenExpired' || (error.ossCode === 'AccessDenied' && /expired/i.test(error.message));
}

function ossFailure(status: number, text: string, headerRequestId: string | null): UploadError {
  const parsed = parseOssError(text);
  const requestId = parsed.requestId ?? headerRequestId ?? undefined;
  const ossCode = parsed.code;
  const retryable = isRetryableStatus(status) || isRetryableOssCode(ossCode);
  const message = `OSS refused the upload (HTTP ${status}${ossCode ? ` ${ossCode}` : ''})${parsed.message ? `: ${parsed.message}` : '.'}`;
  return new UploadError('oss-error', message, {
    status, retryable, ...(ossCode ? { ossCode } : {}), ...(requestId ? { requestId } : {}),
  });
}

/** What a policy's `expire` says, against this page's clock, for a `credentials-expired` message. */
function expirySaid(expiresAt: number): string {
  if (!expiresAt) return '';
  const late = Math.round((Date.now() - expiresAt) / 1000);
  const when = new Date(expiresAt).toISOString();
  return late >= 0
    ? `the endpoint's latest policy says it expired at ${when}, ${late} s before this page's clock`
    : `the endpoint's latest policy says it expires at ${when}, ${-late} s after this page's clock: OSS's clock or the server's disagrees`;
}

function parseCallback(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class SignedPolicyStrategy implements UploadStrategy {
  readonly name = 'signed-policy';
  readonly maxFileSize = POST_OBJECT_MAX_SIZE;
  /** One request a file: the 6 connections a browser opens to the bucket's host. */
  readonly concurrency = 6;
  readonly #options: StrategyOptions;
  readonly #cache = new CredentialCache<SignedPolicy>({ minValidity: 60_000 });

  constructor(options: StrategyOptions) {
    this.#options = options;
  }

  async upload(file: Blob & { readonly name?: string }, ctx: UploadContext): Promise<UploadResult> {
    const name = file.name ?? 'blob';
    if (file.size > POST_OBJECT_MAX_SIZE) {
      throw new UploadError('too-large-for-strategy', `"${name}" is larger than 5 GB, the most a signed-policy (PostObject) upload can send: use the sts strategy.`);
    }
    const config = this.#options.credentials();
    const cacheKey = `${config.endpoint ?? ''}\n${ctx.dir ?? ''}`;
    const fits = (p: SignedPolicy) => policyFits(p, { size: file.size, contentType: ctx.contentType });
    const fetcher = async (): Promise<Expiring<SignedPolicy>> => {
      // Shared by every file waiting for it: not tied to one file's signal.
      const json = await requestCredentials(config, {
        strategy: this.name, name, size: file.size, type: ctx.contentType, ...(ctx.dir ? { dir: ctx.dir } : {}),
        signal: new AbortController().signal,
      });
      const value = parseSignedPolicy(json);
      return { value, expiresAt: value.expiresAt };
    };
    /** The form to OSS with this policy; resolves with OSS's answer, rejects with its refusal. */
    const post = async (policy: SignedPolicy) => {
      const key = joinKey(policy.dir, ctx.key);
      const form = new FormData();
      form.append('key', key);
      for (const [field, value] of policy.fields) form.append(field, value);
      form.append('Content-Type', ctx.contentType);
      for (const [metaName, value] of Object.entries(ctx.meta)) form.append(`x-oss-meta-${metaName.toLowerCase()}`, value);
      form.append('file', file, name); // last: OSS ignores fields after it

      const response = await sendXhr({
        method: 'POST', url: policy.host, body: form, signal: ctx.signal, stallTimeout: ctx.stallTimeout ?? 0, peer: `OSS (${hostOf(policy.host)})`,
        onUploadProgress: (loaded, total) => ctx.onProgress(Math.min(file.size, Math.round((loaded / total) * file.size)), file.size),
        ...(ctx.onCommit ? { onCommit: ctx.onCommit } : {}),
      });
      const outcome = { key, status: response.status, text: response.text, etag: response.header('ETag'), requestId: response.header('x-oss-request-id') };
      if (outcome.status < 200 || outcome.status >= 300 || outcome.status === 203) {
        // A refused signature or an expired policy must not be handed to the next file.
        if (outcome.status === 403) this.#cache.invalidate(cacheKey, policy);
        throw ossFailure(outcome.status, outcome.text, outcome.requestId);
      }
      return outcome;
    };

    let policy = await this.#cache.get(cacheKey, fits, fetcher, ctx.signal);
    let outcome: Awaited<ReturnType<typeof post>>;
    try {
      outcome = await post(policy);
    } catch (thrown) {
      if (!(thrown instanceof UploadError) || !refusedAsExpired(thrown) || ctx.signal.aborted) throw thrown;
      // Expired on the way (or on arrival): once more with a fresh policy, then it is the endpoint's fault.
      ctx.onRetry?.({ operation: 'PostObject', attempt: 2, delay: 0, error: thrown });
      policy = await this.#cache.get(cacheKey, fits, fetcher, ctx.signal);
      try {
        outcome = await post(policy);
      } catch (again) {
        if (!(again instanceof UploadError) || !refusedAsExpired(again)) throw again;
        const { code: _code, message: _message, ...init } = again.toJSON();
        throw credentialsExpiredError('policy', init, expirySaid(policy.expiresAt));
      }
    }
    const { key } = outcome;

    const result: UploadResult = { key, bucket: policy.bucket, url: objectUrl(policy.host, key) };
    let etag = outcome.etag ?? undefined;
    if (outcome.status === 201 && !etag) etag = /<ETag>([^<]*)<\/ETag>/.exec(outcome.text)?.[1]?.replace(/&quot;/g, '"');
    if (etag) result.etag = etag;
    if (outcome.requestId) result.requestId = outcome.requestId;
    if (outcome.status === 200 && outcome.text.trim() !== '') result.callback = parseCallback(outcome.text);
    return result;
  }
}

export function signedPolicy(options: StrategyOptions): SignedPolicyStrategy {
  return new SignedPolicyStrategy(options);
}

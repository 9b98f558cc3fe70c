// The transport of the multipart engine: one OSS request over the shared XHR transport (upload
// progress, abort, a stall timer instead of a total timeout), V4-signed through src/signing, and OSS's
// addressing: path-style for a custom endpoint (the emulator, a proxy), virtual-hosted for
// `*.aliyuncs.com`. Errors become UploadErrors with OSS's Code and RequestId. OSS-PROTOCOL.md §1, §3, §8.
import { UploadError, isRetryableOssCode, isRetryableStatus } from '../../errors.js';
import { encodeKeyPath, signHeaderV4, uriEncode, type V4Credentials } from '../../signing/index.js';
import { parseOssError } from '../signed-policy.js';
import { abortedError, hostOf, sendXhr } from '../xhr.js';

/** Where a bucket lives. */
export interface OssTarget {
  bucket: string;
  /** `cn-hangzhou` (a leading `oss-` is accepted). */
  region: string;
  /** A custom endpoint, e.g. `http://localhost:9000` (path-style); absent: `https://oss-<region>.aliyuncs.com`. */
  endpoint?: string;
}

/** OSS's own endpoints are addressed virtual-hosted; anything else path-style (`/<bucket>/<key>`). */
export function bucketUrl(target: OssTarget): string {
  const region = target.region.replace(/^oss-/, '');
  const raw = (target.endpoint ?? `https://oss-${region}.aliyuncs.com`).replace(/\/+$/, '');
  const url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
  const base = `${url.protocol}//${url.host}`;
  if (url.hostname.endsWith('.aliyuncs.com')) {
    // An endpoint that already names the bucket (`bucket.oss-….aliyuncs.com`) is used as it is.
    return url.hostname.startsWith(`${target.bucket}.`) ? base : `${url.protocol}//${target.bucket}.${url.host}`;
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${base}${path}/${encodeURIComponent(target.bucket)}`;
}

/** The URL of a key under a bucket URL, with its query (names and values encoded as V4 signs them). */
export function requestUrl(base: string, key: string, query: Array<[string, string]> = []): string {
  const q = query.map(([k, v]) => (v === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)).join('&');
  return `${base}/${encodeKeyPath(key)}${q ? `?${q}` : ''}`;
}

export interface OssResponse {
  status: number;
  text: string;
  header(name: string): string | null;
}

export interface SendOptions {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Blob | string;
  signal: AbortSignal;
  /** Bytes of the body sent so far (upload progress inside the request). */
  onUploadProgress?: (loaded: number) => void;
  /** Milliseconds without any progress after which the request counts as failed (`network`, retryable). Default 60 000; 0: no limit. */
  stallTimeout?: number;
  /** The request decides whether the object exists (PutObject, Complete): see XhrRequest.onCommit. */
  onCommit?: (pending: boolean) => void;
}

export { abortedError };

/** One request to OSS over the shared XHR transport (src/strategies/xhr.ts). Resolves with whatever OSS answered; rejects with `network` (retryable) or `aborted`. */
export function send(options: SendOptions): Promise<OssResponse> {
  const progress = options.onUploadProgress;
  return sendXhr({
    method: options.method, url: options.url, headers: options.headers, body: options.body ?? null, signal: options.signal,
    stallTimeout: options.stallTimeout ?? 60_000,
    peer: `OSS (${hostOf(options.url)})`,
    failureHint: 'Offline, or the bucket\'s CORS rule does not allow this page\'s origin, the method or its headers.',
    ...(progress ? { onUploadProgress: (loaded: number) => progress(loaded) } : {}),
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
}

/** OSS codes that a fresh STS token fixes (OSS-PROTOCOL.md §5.1). */
export const TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'SecurityTokenExpired', 'InvalidAccessKeyId', 'InvalidSecurityToken', 'AccessKeyIdAndSecurityTokenNotMatch',
]);

/**
 * An OSS error answer as an UploadError (`oss-error`, with `ossCode`, `requestId`, `status`).
 * `hint(code)` may add a sentence that says what to do about that code.
 */
export function ossError(what: string, response: OssResponse, hint: (ossCode: string | undefined) => string = () => ''): UploadError {
  const parsed = parseOssError(response.text);
  const requestId = parsed.requestId ?? response.header('x-oss-request-id') ?? undefined;
  const ossCode = parsed.code;
  const retryable = isRetryableStatus(response.status) || isRetryableOssCode(ossCode) || (ossCode !== undefined && TOKEN_ERRORS.has(ossCode));
  const said = parsed.message ? `: ${parsed.message.replace(/\.?$/, '.')}` : '.';
  const message = `OSS refused ${what} (HTTP ${response.status}${ossCode ? ` ${ossCode}` : ''})${said}${hint(ossCode)}`;
  return new UploadError('oss-error', message, {
    status: response.status, retryable, ...(ossCode ? { ossCode } : {}), ...(requestId ? { requestId } : {}),
  });
}

/** The server's clock from a RequestTimeTooSkewed answer, as an offset to add to ours (ms), if it says. */
export function serverClockOffset(response: OssResponse): number | undefined {
  const match = /<ServerTime>([^<]+)<\/ServerTime>/.exec(response.text);
  const server = match ? Date.parse(match[1]!) : NaN;
  return Number.isNaN(server) ? undefined : server - Date.now();
}

export interface SignedRequest {
  method: string;
  target: OssTarget;
  key: string;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
}

/** The URL and V4-signed headers of a request (UNSIGNED-PAYLOAD, with the security token). */
export async function signRequest(req: SignedRequest, creds: V4Credentials, now: Date): Promise<{ url: string; headers: Record<string, string> }> {
  const query = req.query ?? [];
  const headers = await signHeaderV4(
    { method: req.method, bucket: req.target.bucket, key: req.key, headers: req.headers ?? {}, query },
    creds, req.target.region, now,
  );
  return { url: requestUrl(bucketUrl(req.target), req.key, query), headers };
}

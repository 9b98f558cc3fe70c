// proxy: the file goes to the app's own server, not to OSS. One POST of `multipart/form-data` to
// the endpoint — the fields first (`key`, the page's wish for the key below the granted prefix;
// `dir`, the proposed folder; `x-oss-meta-*`), then `file`, last — with XMLHttpRequest for upload
// progress. The server (`createProxyHandler` of oss-upload/server) streams it on to OSS, decides
// the final key, and answers `{key, url, etag, bucket, size}`. The page never talks to OSS: no
// CORS rule on the bucket, no credentials in the browser. The endpoint gets the same headers
// (`requestHeaders`) and cookies (same-origin; cross-origin with `with-credentials`) as a
// credential endpoint.
//
// Errors: the server's JSON `{code, message}` (src/server/proxy.ts) becomes the error detail:
// 413 (also a reverse proxy's HTML 413) → `too-large` "too large for this server"; 415 →
// `wrong-type`; 403 DirNotAllowed → `dir-not-allowed`; other 401/403 → `credentials-unauthorized`;
// 502 OssError → `oss-error` with OSS's `ossCode`, `requestId` and status (retryable as OSS's own
// answer would be); other 5xx/429 → `credentials-server-error` (retryable); other 4xx →
// `credentials-refused`; the connection failing or stalling → `network` (retryable).
import { endpointError, endpointHeaders } from '../credentials.js';
import { UploadError, isRetryableOssCode, isRetryableStatus } from '../errors.js';
import type { StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';
import { hostOf, sendXhr } from './xhr.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const stringField = (o: Json | undefined, name: string): string | undefined => {
  const v = o?.[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}

/** A non-2xx answer of the proxy endpoint as an UploadError (the mapping at the top). */
export function proxyError(status: number, text: string, fileName = 'The file'): UploadError {
  const body = parseJson(text);
  const code = stringField(body, 'code');
  const said = stringField(body, 'message');
  const init = { status, ...(code ? { endpointCode: code } : {}) };
  if (status === 413 || code === 'FileTooLarge') {
    // From our handler (with `maxSize`) or from a reverse proxy in front of it (nginx's
    // client_max_body_size answers an HTML 413): either way, the file is over this server's limit.
    const maxSize = body?.['maxSize'];
    const limit = typeof maxSize === 'number' ? ` (at most ${formatBytes(maxSize)})` : '';
    return new UploadError('too-large', `${fileName} is too large for this server${limit}.`, init);
  }
  if (code === 'OssError') {
    const ossStatus = typeof body?.['ossStatus'] === 'number' ? body['ossStatus'] : undefined;
    const ossCode = stringField(body, 'ossCode');
    const requestId = stringField(body, 'requestId');
    // Retryable as OSS's own answer would be: a 500 or Throttling yes, AccessDenied no.
    const retryable = ossStatus === undefined ? isRetryableStatus(status) : isRetryableStatus(ossStatus) || isRetryableOssCode(ossCode);
    return new UploadError('oss-error', `The upload server could not store the file${said ? `: ${said}` : ` (HTTP ${status}).`}`, {
      ...init, status: ossStatus ?? status, retryable, ...(ossCode ? { ossCode } : {}), ...(requestId ? { requestId } : {}),
    });
  }
  if ((status === 401 || status === 403) && code !== 'DirNotAllowed') {
    return new UploadError('credentials-unauthorized', `The upload server refused the upload (HTTP ${status}); are you signed in?${said ? ` ${said}` : ''}`, init);
  }
  return endpointError(status, body as { code?: string; message?: string } | undefined);
}

/** The endpoint's 2xx answer `{key, url?, etag?, bucket?}` as an UploadResult. */
export function parseProxyResult(text: string): UploadResult {
  const body = parseJson(text);
  const key = stringField(body, 'key');
  if (!key) {
    throw new UploadError('credentials-invalid', `The upload server's answer is not an upload result: expected JSON {key, url, etag}, got ${body ? 'JSON without "key"' : 'something that is not JSON'}.`);
  }
  const result: UploadResult = { key, bucket: stringField(body, 'bucket') ?? '', url: stringField(body, 'url') ?? '' };
  const etag = stringField(body, 'etag');
  const requestId = stringField(body, 'requestId');
  if (etag) result.etag = etag;
  if (requestId) result.requestId = requestId;
  return result;
}

export class ProxyStrategy implements UploadStrategy {
  readonly name = 'proxy';
  readonly #options: StrategyOptions;

  constructor(options: StrategyOptions) {
    this.#options = options;
  }

  async upload(file: Blob & { readonly name?: string }, ctx: UploadContext): Promise<UploadResult> {
    const config = this.#options.credentials();
    if (!config.endpoint) throw new UploadError('no-endpoint', 'Set the endpoint attribute to the URL of your upload proxy (createProxyHandler of oss-upload/server).');
    const headers = { Accept: 'application/json', ...(await endpointHeaders(config)) };
    const url = new URL(config.endpoint, globalThis.location?.href).href;
    const name = file.name ?? 'blob';

    const form = new FormData();
    form.append('key', ctx.key);
    if (ctx.dir) form.append('dir', ctx.dir);
    for (const [metaName, value] of Object.entries(ctx.meta)) form.append(`x-oss-meta-${metaName.toLowerCase()}`, value);
    // The file part's type is what the server checks and stores: the one the controller chose.
    const part = file.type === ctx.contentType ? file : new Blob([file], { type: ctx.contentType });
    form.append('file', part, name); // last: the server decides the key when the file starts

    const response = await sendXhr({
      method: 'POST', url, body: form, headers, withCredentials: config.withCredentials === true, signal: ctx.signal,
      stallTimeout: ctx.stallTimeout ?? 0, peer: `the upload server (${hostOf(url)})`,
      onUploadProgress: (loaded, total) => ctx.onProgress(Math.min(file.size, Math.round((loaded / total) * file.size)), file.size),
      // The server stores the file once its last byte arrived: an abort after that waits for its answer.
      ...(ctx.onCommit ? { onCommit: ctx.onCommit } : {}),
    });
    if (response.status < 200 || response.status >= 300) throw proxyError(response.status, response.text, `"${name}"`);
    return parseProxyResult(response.text);
  }
}

export function proxy(options: StrategyOptions): ProxyStrategy {
  return new ProxyStrategy(options);
}

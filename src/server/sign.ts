// The sign handler of oss-upload/server: answers the browser with a PostObject policy and its
// signature (V4 by default, V1 on request), so the bytes go straight to OSS and the secret stays
// here. Fetch API only (Request → Response, WebCrypto): runs on Node ≥ 20 and any Fetch runtime.
// OSS-PROTOCOL.md §4 (PostObject) and §6 (callback); DESIGN.md "Credential endpoint formats".
import {
  base64Utf8, encodePolicy, postSignatureV1, postSignatureV4, postV4Fields,
  type PolicyCondition, type PostPolicy,
} from '../signing/index.js';
import {
  HttpError, errorResponse, jsonResponse, checkPrefixOptions, checkTarget, grantedDir as grantDir, type PrefixOption,
  type SignCredentials,
} from './common.js';

export { HttpError, jsonResponse, errorResponse, type SignCredentials } from './common.js';

/** The largest object PostObject accepts (OSS: 5 GB, 400 EntityTooLarge above). */
export const POST_OBJECT_MAX_SIZE = 5 * 1024 ** 3;
/** Longest lifetime OSS allows a V4 form (7 days from x-oss-date). */
const MAX_EXPIRES_IN = 7 * 24 * 3600;
/** A JSON POST body of the request fields is tiny; anything bigger is refused unread. */
const MAX_REQUEST_BODY = 16 * 1024;

export interface SignCallback {
  /** `callbackUrl`: where OSS POSTs after the upload (up to 5 URLs separated by `;`). */
  url: string;
  /** `callbackBody` template. Default: bucket, object, etag, size and mimeType in the chosen body type. */
  body?: string;
  /** `callbackBodyType`. Default `application/x-www-form-urlencoded` (the OSS default). */
  bodyType?: 'application/x-www-form-urlencoded' | 'application/json';
  /** `callbackHost`: the Host header of the callback request. */
  host?: string;
}

export interface SignHandlerOptions {
  /** Long-term AccessKey pair (from the server's environment, never from the browser). Or use `credentials`. */
  accessKeyId?: string;
  accessKeySecret?: string;
  /**
   * Credentials per request instead of the long-term pair, e.g. STS credentials the app obtained
   * with AssumeRole. Called once per sign request: cache inside it (the handler keeps no state).
   */
  credentials?: () => SignCredentials | Promise<SignCredentials>;
  bucket: string;
  /** `cn-hangzhou` or `oss-cn-hangzhou`. */
  region: string;
  /**
   * The URL the browser posts the form to. Default `https://<bucket>.oss-<region>.aliyuncs.com`;
   * for the emulator (path-style) `http://127.0.0.1:PORT/<bucket>`.
   */
  host?: string;
  /**
   * The key prefix the server grants, e.g. per signed-in user. A function may throw an
   * `HttpError` (or a `Response`) to refuse the request, e.g. 401 when nobody is signed in.
   * A trailing `/` is added when missing. Default `uploads/`.
   */
  prefix?: PrefixOption;
  /**
   * Sub-prefixes the browser may propose with `dir` (exact matches, trailing `/` optional); the
   * granted prefix becomes `prefix + dir`. Without a list every proposal is refused (403).
   */
  allowedDirs?: string[];
  /** Largest file in bytes. Default and upper bound: 5 GiB, the PostObject limit. */
  maxSize?: number;
  /** Smallest file in bytes. Default 0: empty files are legitimate objects, as on OSS itself. */
  minSize?: number;
  /**
   * Exact MIME types allowed (`in $content-type`); the browser must then send a `Content-Type`
   * field. No wildcards: an OSS policy can express one `starts-with` but not a list of them.
   */
  contentTypes?: string[];
  /** Policy lifetime in seconds. Default 600 (DESIGN: short; long enough for a batch to reuse it). */
  expiresIn?: number;
  /** Default 'v4'. 'v1' answers in Alibaba's sample format `{accessid, host, policy, signature, …}`. */
  signatureVersion?: 'v4' | 'v1';
  /** An OSS upload callback, sent as the Base64 `callback` field and pinned in the policy. */
  callback?: SignCallback;
  /** `success_action_status`, pinned in the policy. Default '200' (XHR gets ETag and request id, no body to parse). */
  successActionStatus?: '200' | '201' | '204';
  /** Called with unexpected errors (a failing `credentials()`, a bug) before the generic 5xx answer. */
  onError?: (error: unknown, request: Request) => void;
  /** The clock (tests). */
  now?: () => Date;
}

/** The V4 answer: the exact form fields to send before `key`, `Content-Type` and `file`. */
export interface SignedPostV4 {
  host: string;
  bucket: string;
  dir: string;
  /** Unix seconds. */
  expire: number;
  fields: {
    policy: string;
    'x-oss-signature-version': string;
    'x-oss-credential': string;
    'x-oss-date': string;
    'x-oss-signature': string;
    'x-oss-security-token'?: string;
    success_action_status: string;
    callback?: string;
  };
}

/** The V1 answer: Alibaba's sample server format, plus `bucket`, `success_action_status` and `security_token` (STS). */
export interface SignedPostV1 {
  accessid: string;
  host: string;
  bucket: string;
  policy: string;
  signature: string;
  expire: number;
  dir: string;
  success_action_status: string;
  callback?: string;
  /** The STS token, to send as `x-oss-security-token` (the name Alibaba's STS samples use). */
  security_token?: string;
}

/** The signature of an already built policy. The policy must already hold the V4 fields it pins. */
export async function signPolicy(
  policy: PostPolicy,
  credentials: Pick<SignCredentials, 'accessKeySecret'>,
  version: 'v4' | 'v1',
  region: string,
  date: Date,
): Promise<{ policy: string; signature: string }> {
  const field = encodePolicy(policy);
  const signature = version === 'v1'
    ? await postSignatureV1(credentials.accessKeySecret, field)
    : await postSignatureV4(credentials.accessKeySecret, isoDay(date), region, field);
  return { policy: field, signature };
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

// ---- the request ----

interface SignRequest {
  name?: string;
  size?: number;
  type?: string;
  dir?: string;
}

async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_REQUEST_BODY) throw new HttpError(413, 'RequestTooLarge', `The request body may have ${MAX_REQUEST_BODY} bytes.`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_REQUEST_BODY) {
      await reader.cancel();
      throw new HttpError(413, 'RequestTooLarge', `The request body may have ${MAX_REQUEST_BODY} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'InvalidRequest', 'The request body is not UTF-8.');
  }
}

function parseSize(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, 'InvalidSize', 'size must be a non-negative integer number of bytes.');
  return n;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'InvalidRequest', `${name} must be a string.`);
  return value;
}

async function readSignRequest(request: Request): Promise<SignRequest> {
  if (request.method === 'GET') {
    const q = new URL(request.url).searchParams;
    return {
      name: q.get('name') ?? undefined,
      size: parseSize(q.get('size') ?? undefined),
      type: q.get('type') ?? undefined,
      dir: q.get('dir') ?? undefined,
    };
  }
  const text = await readBody(request);
  if (text.trim() === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'InvalidRequest', 'The request body must be JSON: {name, size, type, dir}.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new HttpError(400, 'InvalidRequest', 'The request body must be a JSON object: {name, size, type, dir}.');
  }
  const o = doc as Record<string, unknown>;
  return {
    name: optionalString(o.name, 'name'),
    size: parseSize(o.size),
    type: optionalString(o.type, 'type'),
    dir: optionalString(o.dir, 'dir'),
  };
}

// ---- the handler ----

interface Config {
  bucket: string;
  region: string;
  host: string;
  prefix: NonNullable<SignHandlerOptions['prefix']>;
  allowedDirs: Set<string>;
  minSize: number;
  maxSize: number;
  contentTypes?: string[];
  expiresIn: number;
  version: 'v4' | 'v1';
  callback?: string;
  status: string;
  credentials: () => SignCredentials | Promise<SignCredentials>;
  onError?: SignHandlerOptions['onError'];
  now: () => Date;
}

function configure(options: SignHandlerOptions): Config {
  const { fail, region, credentials } = checkTarget('createSignHandler', options);

  const host = (options.host ?? `https://${options.bucket}.oss-${region}.aliyuncs.com`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(host)) fail(`host must be an http(s) URL, got "${host}".`);

  const minSize = options.minSize ?? 0;
  const maxSize = options.maxSize ?? POST_OBJECT_MAX_SIZE;
  if (!Number.isSafeInteger(minSize) || minSize < 0) fail('minSize must be a non-negative integer.');
  if (!Number.isSafeInteger(maxSize) || maxSize < minSize) fail('maxSize must be an integer not below minSize.');
  if (maxSize > POST_OBJECT_MAX_SIZE) fail('maxSize cannot exceed 5 GiB, the PostObject limit: larger files need the sts strategy (multipart).');

  const expiresIn = options.expiresIn ?? 600;
  if (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) fail(`expiresIn must be whole seconds between 1 and ${MAX_EXPIRES_IN}.`);

  const contentTypes = options.contentTypes;
  if (contentTypes !== undefined) {
    if (contentTypes.length === 0) fail('contentTypes must not be empty (leave it out to allow every type).');
    for (const t of contentTypes) if (!/^[^\s/*]+\/[^\s*]+$/.test(t)) fail(`"${t}" is not an exact MIME type (no wildcards).`);
  }

  const prefix = options.prefix ?? 'uploads/';
  const allowedDirs = checkPrefixOptions(prefix, options.allowedDirs, fail);

  const version = options.signatureVersion ?? 'v4';
  if (version !== 'v4' && version !== 'v1') fail(`signatureVersion must be 'v4' or 'v1'.`);
  const status = options.successActionStatus ?? '200';
  if (!['200', '201', '204'].includes(status)) fail(`successActionStatus must be '200', '201' or '204'.`);

  return {
    bucket: options.bucket, region, host, prefix, allowedDirs, minSize, maxSize, contentTypes, expiresIn, version, status,
    callback: options.callback ? encodeCallback(options.callback, fail) : undefined,
    credentials, onError: options.onError, now: options.now ?? (() => new Date()),
  };
}

const DEFAULT_CALLBACK_BODY = {
  'application/x-www-form-urlencoded': 'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}',
  // Variables substitute as JSON values (strings quoted), so the template leaves them bare.
  'application/json': '{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType}}',
} as const;

function encodeCallback(cb: SignCallback, fail: (m: string) => never): string {
  if (!cb.url || !cb.url.split(';').every((u) => /^https?:\/\/[^/]/.test(u.trim()))) fail('callback.url must be one to five http(s) URLs separated by ";".');
  const bodyType = cb.bodyType ?? 'application/x-www-form-urlencoded';
  if (!(bodyType in DEFAULT_CALLBACK_BODY)) fail('callback.bodyType must be application/x-www-form-urlencoded or application/json.');
  const doc: Record<string, string> = {
    callbackUrl: cb.url,
    callbackBody: cb.body ?? DEFAULT_CALLBACK_BODY[bodyType],
    callbackBodyType: bodyType,
  };
  if (cb.host) doc.callbackHost = cb.host;
  return base64Utf8(JSON.stringify(doc));
}

/** The granted prefix: the server's, plus a sub-prefix the browser proposed and the allow-list holds. */
function grantedDir(config: Config, request: Request, proposed: string | undefined): Promise<string> {
  return grantDir(config.prefix, config.allowedDirs, request, proposed, 'sign handler');
}

function checkFile(config: Config, req: SignRequest): void {
  if (req.size !== undefined) {
    if (req.size > config.maxSize) {
      const hint = req.size > POST_OBJECT_MAX_SIZE ? ' PostObject takes at most 5 GiB: use the sts strategy for larger files.' : '';
      throw new HttpError(413, 'FileTooLarge', `The file has ${req.size} bytes; at most ${config.maxSize} are allowed.${hint}`, { maxSize: config.maxSize });
    }
    if (req.size < config.minSize) {
      throw new HttpError(400, 'FileTooSmall', `The file has ${req.size} bytes; at least ${config.minSize} are required.`, { minSize: config.minSize });
    }
  }
  if (config.contentTypes && req.type && !config.contentTypes.includes(req.type)) {
    throw new HttpError(415, 'ContentTypeNotAllowed', `The content type "${req.type}" is not allowed.`, { contentTypes: config.contentTypes });
  }
}

function expirationOf(credentials: SignCredentials): number | undefined {
  if (credentials.expiration === undefined) return undefined;
  const ms = credentials.expiration instanceof Date ? credentials.expiration.getTime() : Date.parse(credentials.expiration);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

async function sign(config: Config, request: Request): Promise<Response> {
  const req = await readSignRequest(request);
  // The prefix first: its function is where the app refuses a visitor who is not signed in.
  const dir = await grantedDir(config, request, req.dir);
  // Cheap refusals, so the widget fails before any byte is sent; the policy enforces them again on OSS.
  checkFile(config, req);

  let credentials: SignCredentials;
  try {
    credentials = await config.credentials();
    if (!credentials?.accessKeyId || !credentials.accessKeySecret) throw new Error('credentials() returned no accessKeyId/accessKeySecret');
  } catch (err) {
    config.onError?.(err, request);
    throw new HttpError(503, 'CredentialsUnavailable', 'The server could not obtain credentials to sign with.');
  }

  const now = config.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const date = new Date(nowSeconds * 1000);
  let expire = nowSeconds + config.expiresIn;
  const credentialsEnd = expirationOf(credentials);
  if (credentialsEnd !== undefined) expire = Math.min(expire, credentialsEnd);
  if (expire <= nowSeconds) throw new HttpError(503, 'CredentialsUnavailable', 'The credentials to sign with have expired.');

  const conditions: PolicyCondition[] = [{ bucket: config.bucket }];
  let v4Fields: Record<string, string> = {};
  if (config.version === 'v4') {
    v4Fields = postV4Fields(credentials.accessKeyId, config.region, date, credentials.securityToken);
    for (const [name, value] of Object.entries(v4Fields)) conditions.push({ [name]: value });
  }
  conditions.push(['starts-with', '$key', dir], ['content-length-range', config.minSize, config.maxSize]);
  if (config.contentTypes) conditions.push(['in', '$content-type', [...config.contentTypes]]);
  conditions.push(['eq', '$success_action_status', config.status]);
  if (config.callback) conditions.push({ callback: config.callback });

  const policy: PostPolicy = { expiration: new Date(expire * 1000).toISOString(), conditions };
  const signed = await signPolicy(policy, credentials, config.version, config.region, date);

  if (config.version === 'v1') {
    const body: SignedPostV1 = {
      accessid: credentials.accessKeyId, host: config.host, bucket: config.bucket, policy: signed.policy,
      signature: signed.signature, expire, dir, success_action_status: config.status,
    };
    if (config.callback) body.callback = config.callback;
    if (credentials.securityToken) body.security_token = credentials.securityToken;
    return jsonResponse(200, body);
  }
  const fields: SignedPostV4['fields'] = {
    policy: signed.policy,
    'x-oss-signature-version': v4Fields['x-oss-signature-version']!,
    'x-oss-credential': v4Fields['x-oss-credential']!,
    'x-oss-date': v4Fields['x-oss-date']!,
    'x-oss-signature': signed.signature,
    success_action_status: config.status,
  };
  if (v4Fields['x-oss-security-token']) fields['x-oss-security-token'] = v4Fields['x-oss-security-token'];
  if (config.callback) fields.callback = config.callback;
  const body: SignedPostV4 = { host: config.host, bucket: config.bucket, dir, expire, fields };
  return jsonResponse(200, body);
}

/**
 * The sign endpoint: `GET ?name=&size=&type=&dir=` (or POST with the same fields as JSON) →
 * a signed PostObject policy as JSON. Refusals are JSON `{code, message}`: 400 InvalidRequest /
 * InvalidSize / InvalidDir / FileTooSmall, 403 DirNotAllowed, 405 MethodNotAllowed,
 * 413 FileTooLarge / RequestTooLarge, 415 ContentTypeNotAllowed, 503 CredentialsUnavailable,
 * 500 InternalError; a prefix function may throw its own HttpError or Response.
 */
export function createSignHandler(options: SignHandlerOptions): (request: Request) => Promise<Response> {
  const config = configure(options);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'POST') {
      return errorResponse(new HttpError(405, 'MethodNotAllowed', 'Use GET (or POST with a JSON body).'), { Allow: 'GET, POST' });
    }
    try {
      return await sign(config, request);
    } catch (err) {
      if (err instanceof Response) return err;
      if (err instanceof HttpError) return errorResponse(err);
      config.onError?.(err, request);
      // Never the error's text: it could quote configuration.
      return errorResponse(new HttpError(500, 'InternalError', 'The sign endpoint failed.'));
    }
  };
}

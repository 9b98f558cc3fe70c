// The proxy handler of oss-upload/server: the browser POSTs `multipart/form-data` to the app
// server, which streams the file on to OSS while it is still arriving. Memory per upload is
// bounded by a constant — `partSize × (parallel + 1)` — whatever the file's size: busboy parses the
// form as a stream, the file's bytes are copied into a small pool of part buffers, and the file
// stream is not read while every buffer is in use (backpressure reaches the browser's socket).
//
// Fetch API (`Request → Response`); mount it under node:http or Express with `toNodeListener`.
// The parser (busboy) and the OSS client (ali-oss) are Node modules, loaded on the first
// request, so importing oss-upload/server stays possible on runtimes without them.
// Node's http.Server gives a whole request 300 s by default (`server.requestTimeout`): a large
// file on a slow uplink needs more, so raise it (0 = no limit) on the server that mounts this.
// Each upload holds at most `partSize × (parallel + 1)` of part buffers; concurrent uploads add up.
//
// OSS-PROTOCOL.md §7 (multipart) and §8 (errors); DESIGN.md "The three strategies" (proxy).
//
// The form: the fields first (`key`, the browser's wish for the object key; `dir`, a sub-folder
// from the allow-list), then exactly one file part named `file`, last. Fields after the file are
// ignored (the key is decided when the file starts). The answer: `{key, url, etag, bucket, size}`.
//
// The key rule (decided here, not by the browser):
//   key = prefix (per request) + dir (if proposed and allowed) + `<id>/<name>`
// where `<id>` is a fresh ULID (time-ordered, 80 random bits: two uploads never collide, and no
// upload overwrites another) and `<name>` is the last segment of the browser's `key` wish, or the
// file part's file name when there is no wish, cleaned to one safe segment (the same cleaning as
// the element's `{name}`: NFC, no control characters, `/` and `\` → `_`, `${` → `$_{`, ≤ 200 bytes
// keeping the extension). This is the shape of the element's default key template `{id}/{name}`,
// so objects look alike whichever strategy stored them. An app that wants its own rule passes
// `key(request, {name, type, wish, dir})`, which returns the key below the granted prefix.
import { cleanFileName, newId } from '../shared/names.js';
import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { BusboyConfig, FileInfo } from 'busboy';
import { Crc64, encodeKeyPath } from '../signing/index.js';
import {
  HttpError, MAX_KEY_BYTES, basePrefix, checkPrefixOptions, checkTarget, errorResponse, jsonResponse, utf8Length, withDir,
  type PrefixOption, type SignCredentials,
} from './common.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** OSS: every part but the last is at least 100 KB (ali-oss uses 102400). */
export const MIN_PART_SIZE = 100 * KiB;
/** OSS: at most 5 GB per part and per PutObject. */
const MAX_PART_SIZE = 5 * GiB;
/** OSS: part numbers 1–10000. */
const MAX_PARTS = 10_000;
/**
 * Room for the form around the file (boundaries, part headers, the small fields): a declared
 * Content-Length above `maxSize` plus this is refused before reading. Generous on purpose; the
 * exact limit is enforced on the file's bytes as they stream.
 */
const FORM_OVERHEAD = 1 * MiB;
/** Limits for the form's text fields: the key wish is at most 1023 bytes. */
const FIELD_LIMITS = { fields: 32, fieldSize: 4 * KiB, fieldNameSize: 100, parts: 40, headerPairs: 20 } as const;

export const PROXY_DEFAULTS = {
  prefix: 'uploads/',
  maxSize: 5 * GiB,
  partSize: 8 * MiB,
  parallel: 3,
  timeout: 120_000,
  retries: 2,
} as const;

/** What the app's `key` function learns about the file. */
export interface ProxyKeyInfo {
  /** The file part's file name (as the browser sent it; may be ''). */
  name: string;
  /** The file part's declared MIME type. */
  type: string;
  /** The browser's `key` field, if any: only a wish. */
  wish?: string;
  /** The granted prefix (`prefix + dir`), ending in `/` (or ''). The key function's result goes below it. */
  dir: string;
}

export interface ProxyHandlerOptions {
  /** Long-term AccessKey pair (from the server's environment). Or use `credentials`. */
  accessKeyId?: string;
  accessKeySecret?: string;
  /**
   * Credentials per upload instead of the long-term pair, e.g. STS credentials from AssumeRole.
   * Called once per upload, and again every `refreshInterval` while a long upload runs when they
   * carry a security token (cache inside it: the handler keeps no state).
   */
  credentials?: () => SignCredentials | Promise<SignCredentials>;
  bucket: string;
  /** `cn-hangzhou` or `oss-cn-hangzhou`. */
  region: string;
  /**
   * The OSS endpoint. Default `https://oss-<region>.aliyuncs.com` (the bucket goes in the host).
   * For the emulator: `http://localhost:PORT` (path-style, see `pathStyle`).
   */
  endpoint?: string;
  /**
   * Path-style requests (`/<bucket>/<key>`, ali-oss `sldEnable`). Default: true when the endpoint's
   * host is `localhost` or an IP address (the emulator), false otherwise (virtual-hosted, as OSS).
   */
  pathStyle?: boolean;
  /**
   * The key prefix the server grants, e.g. per signed-in user; a function may throw an
   * `HttpError` (or a `Response`) to refuse the request before a byte is read. Default `uploads/`.
   */
  prefix?: PrefixOption;
  /** Sub-folders the browser may propose with the `dir` field (exact matches); others → 403. */
  allowedDirs?: string[];
  /** Largest file in bytes, enforced while streaming (→ 413 FileTooLarge). Default 5 GiB. */
  maxSize?: number;
  /**
   * MIME types allowed, checked against the file part's declared type before any byte goes to
   * OSS (→ 415 ContentTypeNotAllowed). Exact types, or `type/*`. Default: every type.
   */
  contentTypes?: string[];
  /** Bytes per multipart part (100 KiB – 5 GiB). Default 8 MiB. `maxSize` must fit in 10000 parts. */
  partSize?: number;
  /** Parts uploading at once. Default 3. Memory per upload ≈ `partSize × (parallel + 1)`. */
  parallel?: number;
  /**
   * Files larger than this go multipart; smaller ones (buffered up to this size, no more) go as
   * one PutObject. At most `partSize`; default `partSize`.
   */
  multipartThreshold?: number;
  /** The object key below the granted prefix (see the key rule at the top). Default `<ULID>/<clean name>`. */
  key?: (request: Request, file: ProxyKeyInfo) => string | Promise<string>;
  /** Signature of the requests to OSS. Default 'v4'. */
  signatureVersion?: 'v4' | 'v1';
  /** Per request to OSS, in ms. Default 120000. */
  timeout?: number;
  /** Retries of a part or a put that failed on the network, a 5xx or a 429. Default 2. */
  retries?: number;
  /**
   * Compare the CRC-64 of every part (and put) with OSS's `x-oss-hash-crc64ecma`: proves the
   * bytes that reached OSS are the bytes that arrived here. Costs CPU (≈ 0.5–0.8 GB/s per core).
   * Default true.
   */
  verifyCrc?: boolean;
  /** STS credentials: how often a running upload calls `credentials()` again (ms). Default 5 minutes. */
  refreshInterval?: number;
  /** Called with unexpected errors (OSS failures, a failed abort, a failing `credentials()`, a bug). */
  onError?: (error: unknown, request: Request) => void;
}

/** The answer to a stored upload. */
export interface ProxyResult {
  key: string;
  /** The object's URL on the OSS endpoint (readable only if the bucket or object is public, or once signed). */
  url: string;
  /** The ETag OSS gave the object, quoted as OSS sends it (`"…-N"` for a multipart object). */
  etag: string;
  bucket: string;
  size: number;
}

// ---- configuration ----

interface Config {
  bucket: string;
  region: string;
  endpoint: string;
  pathStyle: boolean;
  prefix: PrefixOption;
  allowedDirs: Set<string>;
  maxSize: number;
  contentTypes?: string[];
  partSize: number;
  parallel: number;
  threshold: number;
  key?: ProxyHandlerOptions['key'];
  v4: boolean;
  timeout: number;
  retries: number;
  verifyCrc: boolean;
  refreshInterval: number;
  credentials: () => SignCredentials | Promise<SignCredentials>;
  onError?: ProxyHandlerOptions['onError'];
}

const isIp = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || host.includes(':');

function configure(options: ProxyHandlerOptions): Config {
  const { fail, region, credentials } = checkTarget('createProxyHandler', options);

  const endpoint = (options.endpoint ?? `https://oss-${region}.aliyuncs.com`).replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    fail(`endpoint "${endpoint}" is not a URL.`);
  }
  if ((url!.protocol !== 'http:' && url!.protocol !== 'https:') || url!.pathname !== '/' || url!.search) {
    fail(`endpoint must be an http(s) origin like https://oss-${region}.aliyuncs.com, got "${endpoint}".`);
  }
  const local = url!.hostname === 'localhost' || isIp(url!.hostname);
  const pathStyle = options.pathStyle ?? local;
  if (!pathStyle && isIp(url!.hostname)) fail('an IP endpoint needs pathStyle: true (ali-oss drops the bucket otherwise).');

  const int = (value: number | undefined, fallback: number, name: string, min: number, max: number): number => {
    const n = value ?? fallback;
    if (!Number.isSafeInteger(n) || n < min || n > max) fail(`${name} must be an integer from ${min} to ${max}, got ${value}.`);
    return n;
  };
  const partSize = int(options.partSize, PROXY_DEFAULTS.partSize, 'partSize', MIN_PART_SIZE, MAX_PART_SIZE);
  const parallel = int(options.parallel, PROXY_DEFAULTS.parallel, 'parallel', 1, 64);
  const threshold = int(options.multipartThreshold, partSize, 'multipartThreshold', 0, partSize);
  const maxSize = int(options.maxSize, Math.min(PROXY_DEFAULTS.maxSize, partSize * MAX_PARTS), 'maxSize', 0, partSize * MAX_PARTS);
  const timeout = int(options.timeout, PROXY_DEFAULTS.timeout, 'timeout', 1, 24 * 3600 * 1000);
  const retries = int(options.retries, PROXY_DEFAULTS.retries, 'retries', 0, 10);
  const refreshInterval = int(options.refreshInterval, 5 * 60_000, 'refreshInterval', 1000, 24 * 3600 * 1000);

  const contentTypes = options.contentTypes?.map((t) => t.toLowerCase());
  if (contentTypes !== undefined) {
    if (contentTypes.length === 0) fail('contentTypes must not be empty (leave it out to allow every type).');
    for (const t of contentTypes) if (!/^[^\s/*]+\/(\*|[^\s*]+)$/.test(t)) fail(`"${t}" is not a MIME type (type/subtype or type/*).`);
  }

  const prefix = options.prefix ?? PROXY_DEFAULTS.prefix;
  const allowedDirs = checkPrefixOptions(prefix, options.allowedDirs, fail);
  const version = options.signatureVersion ?? 'v4';
  if (version !== 'v4' && version !== 'v1') fail(`signatureVersion must be 'v4' or 'v1'.`);
  if (options.key !== undefined && typeof options.key !== 'function') fail('key must be a function (request, file) → key.');

  return {
    bucket: options.bucket, region, endpoint, pathStyle, prefix, allowedDirs, maxSize, contentTypes, partSize, parallel,
    threshold, key: options.key, v4: version === 'v4', timeout, retries, verifyCrc: options.verifyCrc ?? true,
    refreshInterval, credentials, onError: options.onError,
  };
}

// ---- keys ----

// Names and ids follow the element's `{id}/{name}` rule: one implementation for both sides.
export { cleanFileName as cleanName, newId as ulid } from '../shared/names.js';

/** Why a key (below the prefix) is unusable, or undefined. */
function keyProblem(relative: string): string | undefined {
  if (relative === '') return 'is empty';
  if (/[\u0000-\u001f\u007f]/.test(relative)) return 'contains a control character';
  if (relative.startsWith('/') || relative.includes('\\')) return 'starts with "/" or contains a backslash';
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment';
  return undefined;
}

async function decideKey(config: Config, request: Request, file: ProxyKeyInfo): Promise<string> {
  let relative: string;
  if (config.key) {
    relative = await config.key(request, file);
    const problem = typeof relative === 'string' ? keyProblem(relative) : 'is not a string';
    // The app's own function: a server bug, not the browser's fault (→ 500, reported to onError).
    if (problem) throw new Error(`proxy handler: the key function's result ${JSON.stringify(relative)} ${problem}`);
  } else {
    const wished = file.wish?.split(/[/\\]/).filter((s) => s.trim() !== '').pop();
    relative = `${newId()}/${cleanFileName(wished ?? file.name)}`;
  }
  const key = file.dir + relative;
  if (utf8Length(key) > MAX_KEY_BYTES) throw new HttpError(400, 'InvalidKey', `The object key would be longer than ${MAX_KEY_BYTES} bytes.`);
  return key;
}

function typeAllowed(allowed: string[] | undefined, type: string): boolean {
  if (!allowed) return true;
  const t = type.toLowerCase();
  return allowed.some((a) => a === t || (a.endsWith('/*') && t.startsWith(a.slice(0, -1))));
}

// ---- the Node side, loaded on first use ----

interface Deps {
  OSS: typeof OSS;
  busboy: (config: BusboyConfig) => import('busboy').Busboy;
}

let deps: Promise<Deps> | undefined;
function loadDeps(): Promise<Deps> {
  deps ??= Promise.all([import('ali-oss'), import('busboy')]).then(([oss, bb]) => ({
    OSS: (oss.default ?? oss) as typeof OSS,
    busboy: (bb.default ?? bb) as Deps['busboy'],
  }));
  return deps;
}

// ---- errors ----

/** The browser went away (disconnect or cancel): nobody reads the answer, but the OSS upload is aborted. */
class ClientGone extends Error {
  constructor(cause?: unknown) {
    super('The client closed the request before the upload finished.', { cause });
    this.name = 'ClientGone';
  }
}

/** An error ali-oss raised: OSS answered with an error (status ≥ 300) or the network failed (status < 0). */
interface OssError {
  status: number;
  code?: string;
  requestId?: string;
  message: string;
}

function isOssError(err: unknown): err is OssError {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number' && 'requestId' in err;
}

/** Errors worth another try of the same part: the network, 5xx, 429. */
function retryable(err: unknown): boolean {
  if (!isOssError(err)) return false;
  return err.status < 0 || err.status >= 500 || err.status === 429 || err.code === 'RequestTimeout';
}

/** Our own check failed: the bytes OSS stored are not the bytes that arrived here. */
class CrcMismatch extends Error {
  constructor(what: string, ours: bigint, theirs: string | undefined) {
    super(`${what}: OSS reports x-oss-hash-crc64ecma ${theirs ?? '(none)'}, the bytes sent have ${ours}.`);
    this.name = 'CrcMismatch';
  }
}

function toResponse(config: Config, err: unknown, request: Request): Response {
  if (err instanceof Response) return err;
  if (err instanceof HttpError) return errorResponse(err);
  if (err instanceof ClientGone) return errorResponse(new HttpError(400, 'ClientClosedRequest', err.message));
  config.onError?.(err, request);
  if (err instanceof CrcMismatch) return errorResponse(new HttpError(502, 'OssCrcMismatch', 'The bytes stored on OSS do not match the bytes received; the upload was not kept.'));
  if (isOssError(err)) {
    if (err.status < 0) {
      return errorResponse(new HttpError(502, 'OssUnreachable', 'The server could not reach OSS.', err.requestId ? { requestId: err.requestId } : {}));
    }
    const extra: Record<string, unknown> = { ossStatus: err.status };
    if (err.code) extra.ossCode = err.code;
    if (err.requestId) extra.requestId = err.requestId;
    return errorResponse(new HttpError(502, 'OssError', `OSS refused the upload (HTTP ${err.status}${err.code ? ` ${err.code}` : ''}).`, extra));
  }
  return errorResponse(new HttpError(500, 'InternalError', 'The upload failed on the server.'));
}

// ---- one upload ----

interface Stopper {
  signal: AbortSignal;
  /** The first reason wins; later ones are ignored. */
  stop(reason: unknown): void;
}

function stopper(): Stopper {
  const ctl = new AbortController();
  return { signal: ctl.signal, stop: (reason) => { if (!ctl.signal.aborted) ctl.abort(reason); } };
}

/**
 * `p`, or the stop reason once the signal aborts. The abort listener goes away when `p` settles:
 * racing many promises against one long-lived "stopped" promise would pin every result (every
 * chunk read) in that promise's reaction list until the upload ends.
 */
function untilStopped<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function newClient(config: Config, D: Deps): Promise<OSS> {
  let credentials: SignCredentials;
  try {
    credentials = await config.credentials();
    if (!credentials?.accessKeyId || !credentials.accessKeySecret) throw new Error('credentials() returned no accessKeyId/accessKeySecret');
  } catch (err) {
    throw Object.assign(new HttpError(503, 'CredentialsUnavailable', 'The server could not obtain credentials for OSS.'), { cause: err });
  }
  const url = new URL(config.endpoint);
  const options: OSS.Options & { sldEnable?: boolean } = {
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    bucket: config.bucket,
    region: `oss-${config.region}`,
    endpoint: config.endpoint,
    secure: url.protocol === 'https:',
    sldEnable: config.pathStyle,
    authorizationV4: config.v4,
    timeout: config.timeout,
  };
  if (credentials.securityToken) {
    options.stsToken = credentials.securityToken;
    options.refreshSTSTokenInterval = config.refreshInterval;
    options.refreshSTSToken = async () => {
      const c = await config.credentials();
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.securityToken ?? '' };
    };
  }
  return new D.OSS(options);
}

function objectUrl(config: Config, key: string): string {
  const url = new URL(config.endpoint);
  const path = encodeKeyPath(key);
  if (config.pathStyle) return `${url.origin}/${config.bucket}/${path}`;
  return `${url.protocol}//${config.bucket}.${url.host}/${path}`;
}

/** An initiated multipart upload. */
interface Started {
  client: OSS;
  key: string;
  uploadId: string;
}

const headerOf = (res: { headers?: unknown } | undefined, name: string): string | undefined =>
  (res?.headers as Record<string, string | undefined> | undefined)?.[name];

/**
 * One browser upload: the form parsed from `request.body` as it arrives, the file copied into part
 * buffers and sent on to OSS. `run()` resolves with the stored object, or rejects with the first
 * reason the upload stopped (an HttpError, an OSS error, ClientGone…) once everything it started
 * on OSS has been aborted.
 */
class ProxyUpload {
  readonly #config: Config;
  readonly #request: Request;
  readonly #deps: Deps;
  readonly #base: string;
  readonly #stopper = stopper();
  readonly #fields = new Map<string, string>();
  #file?: Promise<ProxyResult>;
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  /**
   * The request that stores the object (PutObject or Complete) has been sent: from then on the
   * answer says what happened on OSS — stored or not — even if the browser has gone, instead of
   * ClientClosedRequest for an object that exists.
   */
  #committing = false;

  constructor(config: Config, request: Request, deps: Deps, base: string) {
    this.#config = config;
    this.#request = request;
    this.#deps = deps;
    this.#base = base;
  }

  #fail = (reason: unknown): void => this.#stopper.stop(reason);

  async run(contentType: string): Promise<ProxyResult> {
    const request = this.#request;
    const { signal } = this.#stopper;
    const onClientAbort = () => {
      if (!this.#committing) this.#fail(new ClientGone(request.signal.reason));
    };
    if (request.signal.aborted) onClientAbort();
    request.signal.addEventListener('abort', onClientAbort, { once: true });

    let bb: import('busboy').Busboy;
    try {
      bb = this.#deps.busboy({
        headers: { 'content-type': contentType },
        limits: { ...FIELD_LIMITS, files: 2 },
        highWaterMark: 256 * KiB,
        fileHwm: 256 * KiB,
      });
    } catch (err) {
      throw new HttpError(400, 'InvalidRequest', `The request is not readable multipart/form-data: ${(err as Error).message}`);
    }
    const formDone = new Promise<void>((resolve, reject) => {
      bb.once('close', resolve);
      bb.on('error', (err: Error) => reject(new HttpError(400, 'MalformedForm', `The form could not be read: ${err.message}`)));
    });
    formDone.catch(() => {});

    bb.on('field', (name: string, value: string, info: { valueTruncated: boolean; nameTruncated: boolean }) => {
      if (this.#file) return; // after the file: too late to matter
      if (info.valueTruncated || info.nameTruncated) {
        this.#fail(new HttpError(400, 'FieldTooLong', `The form field "${name}" is longer than ${FIELD_LIMITS.fieldSize} bytes.`));
        return;
      }
      if (name === 'file') {
        this.#fail(new HttpError(400, 'MissingFile', 'The form field "file" must be a file part (with a filename).'));
        return;
      }
      this.#fields.set(name, value);
    });
    bb.on('file', (name: string, stream: Readable, info: FileInfo) => {
      if (this.#file || name !== 'file') {
        stream.resume();
        this.#fail(this.#file
          ? new HttpError(400, 'TooManyFiles', 'The form may carry one file.')
          : new HttpError(400, 'UnexpectedFile', `The file must be sent as the form field "file", not "${name}".`));
        return;
      }
      this.#file = this.#transfer(stream, info, formDone);
      this.#file.catch(this.#fail);
    });
    for (const event of ['fieldsLimit', 'partsLimit'] as const) {
      bb.on(event, () => this.#fail(new HttpError(400, 'TooManyFields', 'The form has too many fields.')));
    }
    bb.on('filesLimit', () => this.#fail(new HttpError(400, 'TooManyFiles', 'The form may carry one file.')));

    const pumped = this.#pump(bb);
    try {
      await untilStopped(formDone, signal);
      if (!this.#file) throw new HttpError(400, 'MissingFile', 'The form has no file part (the field "file", sent last).');
      return await untilStopped(this.#file, signal);
    } catch (err) {
      this.#fail(err);
      throw signal.reason;
    } finally {
      request.signal.removeEventListener('abort', onClientAbort);
      // Cleanup first (the OSS upload aborted), so that an error answer means "nothing left behind".
      await this.#file?.catch(() => {});
      if (signal.aborted) {
        // Stop reading: the rest of the body is let go (toNodeListener drains it) or the socket is gone.
        await this.#reader?.cancel().catch(() => {});
        bb.destroy();
      }
      await pumped;
    }
  }

  /** Feeds the request body to busboy as fast as busboy takes it, until the end or a stop. */
  async #pump(bb: import('busboy').Busboy): Promise<void> {
    const { signal } = this.#stopper;
    const body = this.#request.body;
    if (!body) {
      bb.end();
      return;
    }
    const reader = (this.#reader = body.getReader());
    try {
      for (;;) {
        const { done, value } = await untilStopped(reader.read(), signal);
        if (done) {
          bb.end();
          return;
        }
        if (!bb.write(value)) {
          let onDrain!: () => void;
          await untilStopped(new Promise<void>((resolve) => bb.once('drain', (onDrain = resolve))), signal)
            .finally(() => bb.off('drain', onDrain));
        }
      }
    } catch (err) {
      if (!signal.aborted) this.#fail(new ClientGone(err));
    }
  }

  /** The file part: key, type check, then bytes to OSS (put or multipart). Aborts what it started on failure. */
  async #transfer(file: Readable, info: FileInfo, formDone: Promise<void>): Promise<ProxyResult> {
    const config = this.#config;
    const { signal } = this.#stopper;
    const onStop = () => file.destroy();
    signal.addEventListener('abort', onStop, { once: true });

    const type = info.mimeType || 'application/octet-stream';
    let multipart: Promise<Started> | undefined;
    const inFlight = new Set<Promise<void>>();
    try {
      if (!typeAllowed(config.contentTypes, type)) {
        throw new HttpError(415, 'ContentTypeNotAllowed', `The content type "${type}" is not allowed.`, { contentTypes: config.contentTypes });
      }
      const dir = withDir(this.#base, config.allowedDirs, this.#fields.get('dir'));
      const key = await decideKey(config, this.#request, { name: info.filename ?? '', type, wish: this.#fields.get('key'), dir });
      const client = await newClient(config, this.#deps);
      signal.throwIfAborted();

      const { partSize, parallel, threshold, maxSize } = config;
      const free: Buffer[] = [];
      let buffer: Buffer = Buffer.allocUnsafeSlow(partSize);
      let filled = 0;
      let total = 0;
      let parts = 0;
      const etags: string[] = [];
      // The CRC-64 of the bytes in `buffer`, updated as they are copied (no pause per full part).
      let crc = config.verifyCrc ? new Crc64() : undefined;

      const startMultipart = () => {
        multipart ??= this.#oss(() => client.initMultipartUpload(key, { mime: type, timeout: config.timeout }))
          .then((r) => ({ client, key, uploadId: r.uploadId }));
        multipart.catch(this.#fail);
      };
      const sendPart = async () => {
        startMultipart();
        // At most `parallel` parts in flight; the full buffer waits here, and the file is not read meanwhile.
        while (inFlight.size >= parallel) await untilStopped(Promise.race(inFlight), signal);
        signal.throwIfAborted();
        const number = ++parts;
        const body = buffer;
        const length = filled;
        const ours = crc?.digest();
        const task = (async () => {
          const { uploadId } = await multipart!;
          const res = await this.#oss(() => client.uploadPart(key, uploadId, number, body, 0, length, { timeout: config.timeout } as OSS.RequestOptions));
          if (ours !== undefined) {
            const theirs = headerOf(res.res, 'x-oss-hash-crc64ecma');
            if (theirs !== undefined && theirs !== ours.toString()) throw new CrcMismatch(`part ${number}`, ours, theirs);
          }
          etags[number - 1] = res.etag;
          free.push(body);
        })().catch((err: unknown) => this.#fail(err)).finally(() => inFlight.delete(task));
        inFlight.add(task);
        buffer = free.pop() ?? Buffer.allocUnsafeSlow(partSize);
        filled = 0;
        if (crc) crc = new Crc64();
      };

      for await (const chunk of file as AsyncIterable<Buffer>) {
        signal.throwIfAborted();
        total += chunk.length;
        if (total > maxSize) {
          throw new HttpError(413, 'FileTooLarge', `The file is larger than ${maxSize} bytes, the most this server accepts.`, { maxSize });
        }
        let at = 0;
        while (at < chunk.length) {
          // A full buffer is sent only once more bytes come, so a file of exactly `threshold` bytes stays one put.
          if (filled === partSize) await sendPart();
          const n = Math.min(partSize - filled, chunk.length - at);
          chunk.copy(buffer, filled, at, at + n);
          crc?.update(buffer.subarray(filled, filled + n));
          filled += n;
          at += n;
        }
        if (total > threshold) startMultipart();
      }
      signal.throwIfAborted();
      if (!file.readableEnded) throw new ClientGone();

      let etag: string;
      if (!multipart) {
        // Small: one PutObject, once the form is known to be complete (one file, nothing malformed).
        await untilStopped(formDone, signal);
        const body = buffer.subarray(0, filled);
        this.#committing = true;
        const res = await this.#oss(() => client.put(key, body, { mime: type, timeout: config.timeout } as OSS.PutObjectOptions));
        const ours = crc?.digest();
        if (ours !== undefined) {
          const theirs = headerOf(res.res, 'x-oss-hash-crc64ecma');
          if (theirs !== undefined && theirs !== ours.toString()) throw new CrcMismatch('PutObject', ours, theirs);
        }
        etag = headerOf(res.res, 'etag') ?? '';
      } else {
        if (filled > 0 || parts === 0) await sendPart();
        while (inFlight.size) await untilStopped(Promise.race(inFlight), signal);
        await untilStopped(formDone, signal);
        signal.throwIfAborted();
        const { uploadId } = await multipart;
        signal.throwIfAborted();
        this.#committing = true;
        const done = await this.#oss(() => client.completeMultipartUpload(key, uploadId, etags.map((e, i) => ({ number: i + 1, etag: e })),
          { timeout: config.timeout } as OSS.CompleteMultipartUploadOptions));
        etag = done.etag ?? headerOf(done.res, 'etag') ?? '';
      }
      return { key, url: objectUrl(config, key), etag, bucket: config.bucket, size: total };
    } catch (err) {
      this.#fail(err);
      // Parts still in flight would survive an abort (OSS-PROTOCOL §7): let them land first.
      await Promise.allSettled([...inFlight]);
      if (multipart) await this.#abort(multipart);
      throw signal.reason;
    } finally {
      signal.removeEventListener('abort', onStop);
      if (!file.destroyed) file.resume(); // let busboy finish the form (it waits for the file's end)
    }
  }

  /** One OSS call with retries on the network, 5xx and 429, while the upload is not stopped. */
  async #oss<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (attempt >= this.#config.retries || !retryable(err) || this.#stopper.signal.aborted) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /** AbortMultipartUpload, tried a few times; a failure is reported to onError (the parts would stay behind). */
  async #abort(multipart: Promise<Started>): Promise<void> {
    let started: Started;
    try {
      started = await multipart;
    } catch {
      return; // never initiated
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await started.client.abortMultipartUpload(started.key, started.uploadId, { timeout: this.#config.timeout } as OSS.RequestOptions);
        return;
      } catch (err) {
        if (isOssError(err) && err.code === 'NoSuchUpload') return;
        if (attempt >= 3) {
          this.#config.onError?.(err, this.#request);
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}

/**
 * The proxy endpoint: `POST` of `multipart/form-data` (fields `key`, `dir`, then `file` last) →
 * the file streamed to OSS → `{key, url, etag, bucket, size}`. Refusals are JSON `{code, message}`:
 * 400 InvalidRequest / MalformedForm / MissingFile / TooManyFiles / UnexpectedFile / FieldTooLong /
 * TooManyFields / InvalidDir / InvalidKey, 403 DirNotAllowed, 405 MethodNotAllowed,
 * 413 FileTooLarge (`maxSize`), 415 ContentTypeNotAllowed (`contentTypes`), 502 OssError (`ossCode`,
 * `ossStatus`, `requestId`) / OssUnreachable / OssCrcMismatch, 503 CredentialsUnavailable,
 * 500 InternalError; a prefix or key function may throw its own HttpError or Response. Whatever
 * was started on OSS is aborted before an error is answered, and when the browser goes away before
 * the object is being stored (400 ClientClosedRequest); once the request that stores it (PutObject
 * or Complete) has gone to OSS, the answer is what OSS said, whether or not the browser still listens.
 */
export function createProxyHandler(options: ProxyHandlerOptions): (request: Request) => Promise<Response> {
  const config = configure(options);
  return async (request) => {
    if (request.method !== 'POST') {
      return errorResponse(new HttpError(405, 'MethodNotAllowed', 'POST the file as multipart/form-data.'), { Allow: 'POST' });
    }
    try {
      // The prefix first: its function is where the app refuses a visitor, before a byte is read.
      const base = await basePrefix(config.prefix, request, 'proxy handler');
      const contentType = request.headers.get('content-type') ?? '';
      if (!/^multipart\/form-data\s*;/i.test(contentType)) {
        throw new HttpError(400, 'InvalidRequest', 'POST the file as multipart/form-data (fields first, then "file").');
      }
      const declared = Number(request.headers.get('content-length') ?? NaN);
      if (declared > config.maxSize + FORM_OVERHEAD) {
        throw new HttpError(413, 'FileTooLarge', `The request has ${declared} bytes; files may have at most ${config.maxSize}.`, { maxSize: config.maxSize });
      }
      const upload = new ProxyUpload(config, request, await loadDeps(), base);
      return jsonResponse(200, await upload.run(contentType));
    } catch (err) {
      if (err instanceof HttpError && err.status === 503) config.onError?.(err.cause, request);
      return toResponse(config, err, request);
    }
  };
}

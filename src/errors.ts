// Stable error codes of <oss-upload> and the error class that carries them. The element
// translates codes to text (src/i18n.ts); apps branch on `code`, never on `message`.

/**
 * Every code an upload can fail or be rejected with. Listed once here; README documents them.
 * - Validation before any request (`oss-upload-reject`, or `oss-upload-error` when the server says it):
 *   `too-large`, `too-small`, `wrong-type`, `too-many-files`; `folder-too-deep` (a dropped or chosen
 *   folder nested deeper than `max-depth`: its files are not read); `folder-empty` (a dropped or
 *   chosen folder with no file in it, also none in its subfolders).
 * - `too-large-for-strategy`: over what the strategy can send (PostObject: 5 GB); use the `sts` strategy.
 * - `credentials-expired`: OSS refused the endpoint's credentials or policy as expired, and again
 *   right after one refresh: the endpoint hands out expired ones (its clock, the STS duration, a cache).
 * - The app's credential endpoint: `credentials-network` (unreachable), `credentials-server-error`
 *   (5xx, 429), `credentials-unauthorized` (401, 403), `dir-not-allowed` (403 DirNotAllowed),
 *   `credentials-refused` (any other 4xx), `credentials-invalid` (not JSON — also an answer cut off mid-way —, or not a known format).
 * - Transfer: `network` (the connection to OSS failed), `oss-error` (OSS answered with an error;
 *   `ossCode`, `requestId` and `status` say which), `aborted`.
 * - Setup: `no-endpoint`, `unknown-strategy`, `invalid-key`; anything else: `unknown`.
 * - sts strategy: `insecure-credentials` (the endpoint handed out credentials without a security
 *   token, i.e. a long-term AccessKey, and the page did not opt in to that), `etag-not-exposed`
 *   (OSS took a part but the bucket's CORS rule hides its `ETag`; the message says how to fix it).
 * - proxy strategy (the endpoint is the app server that receives the file): its refusals take the
 *   endpoint codes above — `too-large` (413, also a reverse proxy's HTML 413: "too large for this
 *   server"), `wrong-type` (415), `dir-not-allowed` (403 DirNotAllowed), `credentials-unauthorized`
 *   (other 401/403), `credentials-server-error` (other 5xx, 429; retryable), `credentials-refused`
 *   (other 4xx), `credentials-invalid` (a 2xx without `{key}`) — except 502 OssError, which is
 *   `oss-error` with OSS's `ossCode`, `requestId` and status (retryable as OSS's own answer);
 *   the connection to the server failing or stalling is `network`.
 */
export const ERROR_CODES = [
  'too-large',
  'too-small',
  'wrong-type',
  'too-many-files',
  'folder-too-deep',
  'folder-empty',
  'too-large-for-strategy',
  'credentials-network',
  'credentials-server-error',
  'credentials-unauthorized',
  'credentials-refused',
  'credentials-invalid',
  'credentials-expired',
  'dir-not-allowed',
  'network',
  'oss-error',
  'aborted',
  'no-endpoint',
  'unknown-strategy',
  'invalid-key',
  'insecure-credentials',
  'etag-not-exposed',
  'unknown',
] as const;

export type UploadErrorCode = (typeof ERROR_CODES)[number];

export interface UploadErrorInit {
  status?: number;
  ossCode?: string;
  requestId?: string;
  /** The `code` of the credential endpoint's JSON error body (`DirNotAllowed`, `FileTooLarge`, …). */
  endpointCode?: string;
  retryable?: boolean;
  cause?: unknown;
}

/** Plain data describing an error: what `oss-upload-error` and the file list carry. */
export interface UploadErrorData {
  code: UploadErrorCode;
  message: string;
  status?: number;
  ossCode?: string;
  requestId?: string;
  endpointCode?: string;
  retryable: boolean;
}

/** OSS codes that mean "slow down or try again later" even when the status is a 4xx. */
const RETRYABLE_OSS_CODES = new Set(['Throttling', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'SlowDown', 'TooManyRequests']);

/** Whether an HTTP status may succeed on a later attempt: 5xx and 429 (and 408). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

export function isRetryableOssCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_OSS_CODES.has(code);
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<UploadErrorCode> = new Set(['network', 'credentials-network', 'credentials-server-error']);

export class UploadError extends Error {
  readonly code: UploadErrorCode;
  readonly status?: number;
  readonly ossCode?: string;
  readonly requestId?: string;
  readonly endpointCode?: string;
  /** Whether trying again may help (network, 5xx, throttling); refusals are final. */
  readonly retryable: boolean;

  constructor(code: UploadErrorCode, message: string, init: UploadErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UploadError';
    this.code = code;
    if (init.status !== undefined) this.status = init.status;
    if (init.ossCode !== undefined) this.ossCode = init.ossCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.endpointCode !== undefined) this.endpointCode = init.endpointCode;
    this.retryable = init.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
  }

  /** The error as plain, serialisable data (no prototype, no cause). */
  toJSON(): UploadErrorData {
    const data: UploadErrorData = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.status !== undefined) data.status = this.status;
    if (this.ossCode !== undefined) data.ossCode = this.ossCode;
    if (this.requestId !== undefined) data.requestId = this.requestId;
    if (this.endpointCode !== undefined) data.endpointCode = this.endpointCode;
    return data;
  }

  /** Any thrown value as an UploadError: an abort becomes `aborted`, the rest `unknown`. */
  static from(error: unknown): UploadError {
    if (error instanceof UploadError) return error;
    if (error instanceof DOMException && error.name === 'AbortError') return abortedError();
    const message = error instanceof Error ? error.message : String(error);
    return new UploadError('unknown', message || 'The upload failed.', { cause: error });
  }
}

/**
 * OSS refused the endpoint's temporary credentials (`what: 'credentials'`) or signed policy
 * (`'policy'`) as expired, and refused the fresh ones fetched right after too: the endpoint hands out
 * expired ones, and another attempt would get the same. `said`: what is known of the expiry, or ''.
 */
export function credentialsExpiredError(what: 'credentials' | 'policy', init: UploadErrorInit, said = ''): UploadError {
  const things = what === 'policy' ? 'signed policies' : 'temporary credentials';
  const lifetime = what === 'policy' ? 'the policy\'s expiration it signs' : 'the STS token\'s duration (DurationSeconds)';
  return new UploadError('credentials-expired',
    `OSS refused the ${things} from the upload endpoint as expired, also fresh ones fetched right after${said ? ` (${said})` : ''}: `
    + `the endpoint hands out ${things} that are already expired. Check the server's clock (is it synchronised?), ${lifetime}, `
    + 'and that the server does not keep them in a cache past their expiry.',
    { ...init, retryable: false });
}

/** The error every cancelled wait or transfer rejects with. */
export const abortedError = (): UploadError => new UploadError('aborted', 'The upload was aborted.');

/** Waits `ms`, or rejects with `aborted` as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// The client of the app's credential endpoint: one GET with the file's name, size, type and the
// proposed dir as query parameters, the page's cookies (same-origin; `include` on request), the
// app's headers (an object or an async function, for bearer tokens), and errors mapped to stable
// codes. Plus a cache that shares one fetch among concurrent callers (single flight) and keeps a
// result while it stays valid. No Lit, no DOM beyond fetch.
import { UploadError, abortedError, isRetryableStatus } from './errors.js';

/** Headers for the endpoint: an object, or a function (sync or async) called before every request. */
export type RequestHeaders = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/** What a strategy asks the endpoint for. */
export interface CredentialRequest {
  /** The strategy asking (`signed-policy`, …). */
  strategy: string;
  /** The endpoint URL as configured (relative URLs resolve against the page). */
  endpoint: string;
  name: string;
  size: number;
  type: string;
  /** The prefix the page proposes (the `dir` attribute); the server decides. */
  dir?: string;
  signal: AbortSignal;
}

/**
 * Replaces the GET to the endpoint: returns the endpoint's JSON (the same formats are accepted
 * and validated). Throw an `UploadError` to choose the code; anything else becomes
 * `credentials-network`.
 */
export type FetchCredentials = (request: CredentialRequest) => Promise<unknown>;

export interface CredentialsConfig {
  endpoint?: string;
  requestHeaders?: RequestHeaders;
  /** Send cookies to a cross-origin endpoint (`credentials: 'include'`). */
  withCredentials?: boolean;
  fetchCredentials?: FetchCredentials;
  /** Milliseconds before a GET to the endpoint counts as failed. Default 30 000. */
  timeout?: number;
}

/** The endpoint's JSON error body `{code, message}`, when it sent one. */
interface EndpointError {
  code?: string;
  message?: string;
}

/** Endpoint refusals that are about the file, not the caller: each file must ask for itself. */
const FILE_SPECIFIC = new Set(['too-large', 'too-small', 'wrong-type']);

export function isFileSpecific(error: unknown): boolean {
  return error instanceof UploadError && FILE_SPECIFIC.has(error.code);
}

/** Maps an endpoint's non-2xx answer to an UploadError with a stable code. */
export function endpointError(status: number, body: EndpointError | undefined): UploadError {
  const endpointCode = typeof body?.code === 'string' ? body.code : undefined;
  const said = typeof body?.message === 'string' && body.message ? `: ${body.message}` : '';
  const init = { status, ...(endpointCode ? { endpointCode } : {}) };
  if (endpointCode === 'DirNotAllowed') return new UploadError('dir-not-allowed', `The server does not allow this folder${said}`, init);
  if (status === 413 || endpointCode === 'FileTooLarge' || endpointCode === 'EntityTooLarge') {
    return new UploadError('too-large', `The server refused the file as too large${said}`, init);
  }
  if (endpointCode === 'FileTooSmall' || endpointCode === 'EntityTooSmall') {
    return new UploadError('too-small', `The server refused the file as too small${said}`, init);
  }
  if (status === 415 || endpointCode === 'ContentTypeNotAllowed') {
    return new UploadError('wrong-type', `The server does not accept this type of file${said}`, init);
  }
  if (status === 401 || status === 403) {
    return new UploadError('credentials-unauthorized', `The upload endpoint refused to sign (HTTP ${status}); are you signed in?${said}`, init);
  }
  if (isRetryableStatus(status)) {
    return new UploadError('credentials-server-error', `The upload endpoint failed (HTTP ${status})${said}`, { ...init, retryable: true });
  }
  return new UploadError('credentials-refused', `The upload endpoint refused the request (HTTP ${status})${said}`, init);
}

async function resolveHeaders(headers: RequestHeaders | undefined): Promise<Record<string, string>> {
  if (!headers) return {};
  const value = typeof headers === 'function' ? await headers() : headers;
  return { ...value };
}

/**
 * The app's headers for its endpoint (`requestHeaders`, called now when a function). A function
 * that throws could not make them (typically: no token to be had): as good as a 401,
 * `credentials-unauthorized` (an UploadError it throws is kept).
 */
export async function endpointHeaders(config: CredentialsConfig): Promise<Record<string, string>> {
  try {
    return await resolveHeaders(config.requestHeaders);
  } catch (error) {
    if (error instanceof UploadError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new UploadError('credentials-unauthorized', `requestHeaders failed: ${why}`, { cause: error });
  }
}

/** Rejects when the signal aborts, with an `aborted` UploadError. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * GETs the endpoint (or calls the app's `fetchCredentials`) and returns its JSON, unvalidated:
 * the strategy checks the shape. Every failure is an UploadError with a `credentials-*` code
 * (or `too-large` / `too-small` / `wrong-type` / `dir-not-allowed` when the server said so).
 */
export async function requestCredentials(config: CredentialsConfig, request: Omit<CredentialRequest, 'endpoint'>): Promise<unknown> {
  const endpoint = config.endpoint;
  if (!endpoint && !config.fetchCredentials) throw new UploadError('no-endpoint', 'Set the endpoint attribute to the URL of your credential endpoint.');
  if (request.signal.aborted) throw abortedError();
  if (config.fetchCredentials) {
    try {
      return await abortable(config.fetchCredentials({ ...request, endpoint: endpoint ?? '' }), request.signal);
    } catch (error) {
      if (error instanceof UploadError) throw error;
      throw new UploadError('credentials-network', `fetchCredentials failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  // `location`, not `document`: the controller and strategies also run where there is no DOM (a worker).
  const url = new URL(endpoint!, globalThis.location?.href);
  url.searchParams.set('name', request.name);
  url.searchParams.set('size', String(request.size));
  url.searchParams.set('type', request.type);
  if (request.dir) url.searchParams.set('dir', request.dir);
  const headers = { Accept: 'application/json', ...(await endpointHeaders(config)) };
  const timeout = AbortSignal.timeout(config.timeout ?? 30_000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers,
      credentials: config.withCredentials ? 'include' : 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.any([request.signal, timeout]),
    });
  } catch (error) {
    if (request.signal.aborted) throw abortedError();
    const why = timeout.aborted ? 'did not answer in time' : 'could not be reached (offline, wrong URL, or CORS)';
    throw new UploadError('credentials-network', `The upload endpoint ${url.origin}${url.pathname} ${why}.`, { cause: error });
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (request.signal.aborted) throw abortedError();
    if (!response.ok) throw endpointError(response.status, undefined);
    // A cut-off body is not JSON that can be used (README: credentials-invalid); the cut may be a passing one, so retryable.
    throw new UploadError('credentials-invalid',
      `The upload endpoint ${url.origin}${url.pathname} broke off its answer before the end (the connection closed mid-answer): what arrived is not JSON that can be read.`,
      { status: response.status, retryable: true, cause: error });
  }
  let body: unknown;
  let parsed = false;
  try {
    body = JSON.parse(text);
    parsed = true;
  } catch {
    /* judged below */
  }
  if (!response.ok) throw endpointError(response.status, parsed && body !== null && typeof body === 'object' ? (body as EndpointError) : undefined);
  if (!parsed) {
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new UploadError('credentials-invalid', `The upload endpoint answered with something that is not JSON (${type}).`, { status: response.status });
  }
  return body;
}

/** A value and when it stops being usable (ms since the epoch). */
export interface Expiring<T> {
  value: T;
  expiresAt: number;
  /**
   * When to fetch a new one instead (ms since the epoch), for values whose margin depends on
   * their lifetime (a 15-minute STS token). Absent: `expiresAt` minus the cache's `minValidity`.
   */
  refreshAt?: number;
}

/**
 * Shares credentials among files: a cached value is reused while it stays valid for more than
 * `minValidity` ms and `accepts` says it fits the caller; one fetch per key is in flight at a
 * time, and every caller that arrives meanwhile waits for it instead of starting its own. A
 * failure about the caller's own file (too large, …) is not shared: the next waiter asks for itself.
 */
export class CredentialCache<T> {
  readonly #entries = new Map<string, Expiring<T>>();
  readonly #inFlight = new Map<string, Promise<Expiring<T>>>();
  readonly #minValidity: number;
  readonly #now: () => number;

  constructor(options: { minValidity?: number; now?: () => number } = {}) {
    this.#minValidity = options.minValidity ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  #fresh(entry: Expiring<T> | undefined): entry is Expiring<T> {
    if (entry === undefined) return false;
    const now = this.#now();
    return entry.refreshAt !== undefined ? now < entry.refreshAt && now < entry.expiresAt : entry.expiresAt - now > this.#minValidity;
  }

  async get(key: string, accepts: (value: T) => boolean, fetcher: () => Promise<Expiring<T>>, signal: AbortSignal): Promise<T> {
    for (;;) {
      const cached = this.#entries.get(key);
      if (this.#fresh(cached) && accepts(cached.value)) return cached.value;
      const pending = this.#inFlight.get(key);
      if (!pending) break;
      try {
        const result = await abortable(pending, signal);
        if (accepts(result.value)) return result.value;
        break; // fits another file, not this one: ask for our own
      } catch (error) {
        if (signal.aborted || !isFileSpecific(error)) throw error;
        // loop: the cache or another flight may serve us now
        if (this.#inFlight.get(key) === pending) break;
      }
    }

    const flight = fetcher();
    this.#inFlight.set(key, flight);
    try {
      const result = await abortable(flight, signal);
      return result.value;
    } finally {
      void flight.then(
        (result) => {
          if (this.#fresh(result)) this.#entries.set(key, result);
        },
        () => {},
      ).finally(() => {
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
      });
    }
  }

  /** Forgets a cached value (e.g. OSS said the policy expired). */
  invalidate(key: string, value?: T): void {
    if (value === undefined || this.#entries.get(key)?.value === value) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

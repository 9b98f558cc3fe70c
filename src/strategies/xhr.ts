// One HTTP request over XMLHttpRequest, for strategies that send a file: `fetch` reports no
// upload progress. Abort through an AbortSignal, a stall timer (no progress for `stallTimeout`
// ms) instead of a total timeout, and failures as UploadErrors: `network` (retryable) when the
// connection fails or stalls, `aborted` when the signal aborts. Any HTTP answer resolves: the
// caller judges the status. A request that decides whether the file exists (`onCommit`) is not cut
// off by an abort once its body has gone: it waits for the answer. No DOM beyond XMLHttpRequest.
import { UploadError, abortedError } from '../errors.js';

export interface XhrResponse {
  status: number;
  text: string;
  header(name: string): string | null;
}

export interface XhrRequest {
  method: string;
  url: string;
  body?: Blob | FormData | string | null;
  headers?: Record<string, string>;
  /** Send cookies to a cross-origin URL too (`withCredentials`); same-origin requests always carry them. */
  withCredentials?: boolean;
  signal: AbortSignal;
  /** Ms without any sign of life (bytes out, the body done, the answer's headers or bytes) before giving up as `network`. 0 or absent: no limit. */
  stallTimeout?: number;
  /** Bytes of the request body sent so far, and the body's size (a form: the file plus the fields around it). */
  onUploadProgress?(loaded: number, total: number): void;
  /** Who is at the other end, for messages, e.g. `OSS (bucket.oss-cn-hangzhou.aliyuncs.com)`. Default: the URL's host. */
  peer?: string;
  /** A sentence after "The connection to … failed": the likely causes. */
  failureHint?: string;
  /**
   * Marks the request whose answer decides whether the file exists (PostObject, PutObject,
   * CompleteMultipartUpload, the proxy's POST): called with true when it is sent and with false
   * when it settled. Once its body has gone the server may store the file whatever the page does,
   * so an abort does not cut it off but waits for the answer (at most {@link HELD_ABORT_MS}, or the
   * stall timer), which resolves as usual; no answer is `network`, saying the file may be stored.
   * The page learns late that the body has gone (Chromium reports upload progress about every
   * 100 ms): an abort while it is still going waits {@link COMMIT_GRACE_MS} for that news first.
   */
  onCommit?(pending: boolean): void;
}

/** How long an abort waits for the answer of a request whose body has gone (see `onCommit`). */
export const HELD_ABORT_MS = 30_000;
/** How long an abort of a deciding request waits to learn that its body had gone after all. */
export const COMMIT_GRACE_MS = 300;

export { abortedError } from '../errors.js';

/** The host of a URL, or the text itself when it is not one (for messages). */
export function hostOf(url: string): string {
  try {
    return new URL(url, globalThis.location?.href).host;
  } catch {
    return url;
  }
}

/** Sends one request; resolves with whatever was answered, rejects with `network` or `aborted`. */
export function sendXhr(request: XhrRequest): Promise<XhrResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal.aborted) return reject(abortedError());
    const stallTimeout = request.stallTimeout ?? 0;
    const peer = request.peer ?? hostOf(request.url);
    const xhr = new XMLHttpRequest();
    let stalled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** The body has gone (XHR upload `load`): an abort of a deciding request waits for the answer. */
    let bodyGone = false;
    let abortAsked = false;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    let heldTimer: ReturnType<typeof setTimeout> | undefined;
    let unanswered = false;
    // Re-armed by every sign of life: bytes going out, the body finished, the answer arriving.
    const arm = () => {
      clearTimeout(timer);
      if (stallTimeout > 0) {
        timer = setTimeout(() => {
          stalled = true;
          xhr.abort();
        }, stallTimeout);
      }
    };
    const hold = () => {
      clearTimeout(graceTimer);
      heldTimer ??= setTimeout(() => {
        unanswered = true;
        xhr.abort();
      }, HELD_ABORT_MS);
    };
    const onAbort = () => {
      if (!request.onCommit) return xhr.abort();
      abortAsked = true;
      if (bodyGone) return hold();
      graceTimer = setTimeout(() => xhr.abort(), COMMIT_GRACE_MS);
    };
    const done = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(heldTimer);
      signal.removeEventListener('abort', onAbort);
      request.onCommit?.(false);
    };
    xhr.open(request.method, request.url);
    if (request.withCredentials) xhr.withCredentials = true;
    for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
    const report = request.onUploadProgress;
    xhr.upload.addEventListener('progress', (e) => {
      arm();
      if (report && e.lengthComputable && e.total > 0) report(e.loaded, e.total);
    });
    xhr.upload.addEventListener('load', () => {
      arm();
      bodyGone = true;
      if (abortAsked) hold();
    });
    xhr.addEventListener('readystatechange', arm);
    xhr.addEventListener('progress', arm);
    xhr.addEventListener('load', () => {
      done();
      resolve({ status: xhr.status, text: xhr.responseText, header: (name) => xhr.getResponseHeader(name) });
    });
    // After the body has gone the server may have stored the file: a failure then must say so.
    const mayBeStored = () => (request.onCommit && bodyGone ? ` The whole file had been sent: ${peer} may have stored it.` : '');
    xhr.addEventListener('error', () => {
      const sent = mayBeStored();
      done();
      reject(new UploadError('network', `The connection to ${peer} failed.${request.failureHint && !sent ? ` ${request.failureHint}` : ''}${sent}`));
    });
    xhr.addEventListener('abort', () => {
      const sent = mayBeStored();
      done();
      if (stalled) reject(new UploadError('network', `The connection to ${peer} made no progress for ${stallTimeout / 1000} s.${sent}`));
      else if (unanswered) reject(new UploadError('network', `No answer from ${peer} within ${HELD_ABORT_MS / 1000} s of the abort.${sent}`));
      else reject(abortedError());
    });
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
    request.onCommit?.(true);
    xhr.send(request.body ?? null);
  });
}

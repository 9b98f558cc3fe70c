// One HTTP request over XMLHttpRequest, for strategies that send a file: `fetch` reports no
// upload progress. Abort through an AbortSignal, a stall timer (no progress for `stallTimeout`
// ms) instead of a total timeout, and failures as UploadErrors: `network` (retryable) when the
// connection fails or stalls, `aborted` when the signal aborts. Any HTTP answer resolves: the
// caller judges the status. No DOM beyond XMLHttpRequest.
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
}

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
    const onAbort = () => xhr.abort();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    xhr.open(request.method, request.url);
    if (request.withCredentials) xhr.withCredentials = true;
    for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
    const report = request.onUploadProgress;
    xhr.upload.addEventListener('progress', (e) => {
      arm();
      if (report && e.lengthComputable && e.total > 0) report(e.loaded, e.total);
    });
    xhr.upload.addEventListener('load', arm);
    xhr.addEventListener('readystatechange', arm);
    xhr.addEventListener('progress', arm);
    xhr.addEventListener('load', () => {
      done();
      resolve({ status: xhr.status, text: xhr.responseText, header: (name) => xhr.getResponseHeader(name) });
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new UploadError('network', `The connection to ${peer} failed.${request.failureHint ? ` ${request.failureHint}` : ''}`));
    });
    xhr.addEventListener('abort', () => {
      done();
      if (stalled) reject(new UploadError('network', `The connection to ${peer} made no progress for ${stallTimeout / 1000} s.`));
      else reject(abortedError());
    });
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
    xhr.send(request.body ?? null);
  });
}

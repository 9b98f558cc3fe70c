// The strategy interface: how the controller hands one file to a transport. Plain TypeScript,
// no Lit, no DOM rendering. A user may register their own (src/strategies/index.ts).
import type { CredentialsConfig } from '../credentials.js';
import type { UploadError } from '../errors.js';

/** One request of an upload that the strategy sends again by itself, while the file's attempt goes on. */
export interface RequestRetry {
  /** The OSS operation: `UploadPart`, `PutObject`, `PostObject`, `InitiateMultipartUpload`, `CompleteMultipartUpload`, `ListParts`, … */
  operation: string;
  /** The part number, for `UploadPart`. */
  part?: number;
  /** The attempt of that request about to be made (2 for its first retry). */
  attempt: number;
  /** Milliseconds until it goes (0 after fresh credentials). */
  delay: number;
  /** Why the previous attempt failed. */
  error: UploadError;
}

export interface UploadContext {
  /** The object key relative to the prefix the server grants: the strategy prepends the server's `dir`. */
  key: string;
  /** The prefix the page proposes (the `dir` attribute), sent to the endpoint. */
  dir?: string;
  /** User metadata, sent as `x-oss-meta-<name>`. */
  meta: Record<string, string>;
  /** The content type to store (the file's type, or `application/octet-stream`). */
  contentType: string;
  signal: AbortSignal;
  /**
   * Milliseconds without any progress after which a transfer counts as a failed connection
   * (`network`, retryable): a stalled link otherwise hangs until TCP gives up, minutes later.
   * 0 or absent: no limit.
   */
  stallTimeout?: number;
  /** Bytes of the file sent in this attempt so far, and the file's size. */
  onProgress(loaded: number, total: number): void;
  /**
   * The strategy sends one request again by itself (a part after a failure, a request after fresh
   * credentials), without failing the attempt: the controller fires `oss-upload-retry` for it, so
   * that a flaky link does not go unseen.
   */
  onRetry?(retry: RequestRetry): void;
  /**
   * The request whose answer decides whether the file exists (PostObject, PutObject,
   * CompleteMultipartUpload, the proxy's POST) is under way (`true`), or has settled (`false`).
   * Once its last byte has gone the server may store the file whatever the page does, so an abort
   * meanwhile is left to the strategy: it cuts the request off only while its body is still going
   * (see xhr.ts `onCommit`), else waits for the answer and settles with what it says (a success
   * when stored); the controller reports that outcome, and `aborted` only for a file not stored.
   */
  onCommit?(pending: boolean): void;
}

export interface UploadResult {
  /** The full object key. */
  key: string;
  bucket: string;
  url: string;
  etag?: string;
  requestId?: string;
  /** The app server's answer to OSS's upload callback (parsed JSON, or the text when not JSON). */
  callback?: unknown;
}

/** What every strategy instance is given: how to reach the credential endpoint, read at call time. */
export interface StrategyOptions {
  credentials: () => CredentialsConfig;
}

export interface UploadStrategy {
  readonly name: string;
  /** The largest file this strategy can send; larger files fail with `too-large-for-strategy` before any request. */
  readonly maxFileSize?: number;
  /** Files at a time when the page does not say (`concurrency`): as many as the browser's connections carry well. Default 3. */
  readonly concurrency?: number;
  /** Sends one file. Rejects with an `UploadError` (`aborted` when the signal aborts). */
  upload(file: Blob & { readonly name?: string }, ctx: UploadContext): Promise<UploadResult>;
}

/** Makes a strategy for one element (its caches live as long as the instance). */
export type StrategyFactory = (options: StrategyOptions) => UploadStrategy;

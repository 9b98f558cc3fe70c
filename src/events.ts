// The events of <oss-upload>: one class per event, its name and flags fixed in the constructor,
// listed once in GlobalEventHandlersEventMap so a wrong `detail` is a compile error. Details are
// plain data (snapshots), never a File, an XHR or translated text. The controller fires them on
// itself; the element re-fires the same classes on itself (bubbles, composed).
import type { UploadErrorCode, UploadErrorData } from './errors.js';

/** Where a file is in its life. */
export type UploadStatus =
  /** In the list, waiting for `upload()` (the `manual` attribute). */
  | 'pending'
  /** Waiting for a free upload slot. */
  | 'queued'
  | 'uploading'
  /**
   * Stopped by `pause(id)` (strategies that can pause, such as sts's multipart uploads): no new
   * bytes go out, what was sent is kept, `resume(id)` continues. Not finished: it keeps its upload
   * slot and the batch does not complete while a file is paused.
   */
  | 'paused'
  /** Failed with a retryable error; the next attempt starts after a delay. */
  | 'retrying'
  | 'success'
  | 'error'
  | 'aborted'
  /** `oss-upload-before` was cancelled: the file stays listed but is not sent. */
  | 'skipped';

/** A snapshot of one file of the list: plain data. */
export interface UploadFileInfo {
  /** Stable id within the element, for `abort(id)`, `retry(id)`, `remove(id)`. */
  id: string;
  name: string;
  /** Bytes; for a file transformed before upload (image downscaling), the bytes uploaded. */
  size: number;
  type: string;
  /** The path within a chosen or dropped folder, the folder's own name first (`photos/2024/a.jpg`); absent for a loose file. */
  relativePath?: string;
  /** Present when the file was transformed before upload (image downscaling): the chosen file's size; `size` is what went up. */
  originalSize?: number;
  status: UploadStatus;
  /** Bytes of the file sent so far (never decreases, also across retries). */
  loaded: number;
  total: number;
  /** 0–100, an integer. */
  percent: number;
  /** Attempts made in the current run (1 on the first). */
  attempt: number;
  /** The full object key, once known (after `oss-upload-before`; the server's `dir` is added at upload time). */
  key?: string;
  /** The object's URL, after success. */
  url?: string;
  error?: UploadErrorData;
  /**
   * Present (true) while `pause(id)` / `resume(id)` can act on the file: it is paused, or it is
   * uploading through a strategy that can pause and its upload has not said it cannot (a file
   * sent in one request, such as sts's small PutObject, cannot).
   */
  pausable?: boolean;
}

/** Totals over the files of the current batch (from the first start until `oss-upload-complete`). */
export interface BatchProgress {
  loaded: number;
  total: number;
  percent: number;
  /** Files in the batch. */
  files: number;
  /** Files of the batch that finished (success, error, aborted or skipped). */
  done: number;
}

export interface RejectedFile {
  /**
   * The file's name; for a folder refused whole (`folder-too-deep`, `folder-empty`) its path, or ''
   * for an empty folder chosen in the picker (`directory`), which tells the page no folder name.
   */
  name: string;
  size: number;
  type: string;
  code: Extract<UploadErrorCode, 'too-large' | 'too-small' | 'wrong-type' | 'too-many-files' | 'too-large-for-strategy' | 'folder-too-deep' | 'folder-empty'>;
  message: string;
  /** The limit broken: bytes for `too-large`, `too-small`, `too-large-for-strategy`; files for `too-many-files` (1 without `multiple`); folder levels for `folder-too-deep`. */
  limit?: number;
}

export interface SelectDetail {
  files: UploadFileInfo[];
}
export interface RejectDetail {
  files: RejectedFile[];
}
export interface BeforeDetail {
  file: UploadFileInfo;
  /**
   * The object key relative to the prefix the server grants (its `dir`); assign a new value to
   * change it. Built from `key-template`.
   */
  key: string;
  /** User metadata sent as `x-oss-meta-<name>` fields; add entries to set some. */
  meta: Record<string, string>;
}
export interface StartDetail {
  file: UploadFileInfo;
}
export interface ProgressDetail {
  file: UploadFileInfo;
  loaded: number;
  total: number;
  percent: number;
  batch: BatchProgress;
}
export interface SuccessDetail {
  file: UploadFileInfo;
  key: string;
  bucket: string;
  url: string;
  etag?: string;
  requestId?: string;
  /** The strategy's name (`signed-policy`, …). */
  strategy: string;
  /** The app server's JSON answer to OSS's upload callback, when the server configured one. */
  callback?: unknown;
}
export interface ErrorDetail extends UploadErrorData {
  file: UploadFileInfo;
}
export interface AbortDetail {
  file: UploadFileInfo;
}
export interface RetryDetail {
  file: UploadFileInfo;
  /** The attempt about to be made (2 for the first retry); 1 after a manual `retry()`; with `operation`, that request's attempt. */
  attempt: number;
  /** Milliseconds until it starts. */
  delay: number;
  /** True for `retry()` called by the app or the retry button. */
  manual: boolean;
  /** The error that made the previous attempt fail. */
  error?: UploadErrorData;
  /**
   * Present when the strategy sends one request of the upload again by itself while the file's
   * attempt goes on (the sts engine retries a part, Initiate, Complete or a small file's PutObject;
   * a request is sent again with fresh credentials or a fresh policy): the OSS operation. Then
   * `attempt` counts that request's attempts, and the file's status and `attempt` do not change.
   */
  operation?: string;
  /** The part number, when `operation` is `UploadPart`. */
  part?: number;
}
export interface PauseDetail {
  file: UploadFileInfo;
}
export interface ResumeDetail {
  file: UploadFileInfo;
}
export interface CompleteDetail {
  successful: UploadFileInfo[];
  failed: UploadFileInfo[];
  aborted: UploadFileInfo[];
}

const flags = { bubbles: true, composed: true } as const;

export class OssUploadSelectEvent extends CustomEvent<SelectDetail> {
  static readonly eventName = 'oss-upload-select';
  constructor(detail: SelectDetail) {
    super(OssUploadSelectEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadRejectEvent extends CustomEvent<RejectDetail> {
  static readonly eventName = 'oss-upload-reject';
  constructor(detail: RejectDetail) {
    super(OssUploadRejectEvent.eventName, { ...flags, detail });
  }
}
/** Cancelable: `preventDefault()` skips the file. */
export class OssUploadBeforeEvent extends CustomEvent<BeforeDetail> {
  static readonly eventName = 'oss-upload-before';
  constructor(detail: BeforeDetail) {
    super(OssUploadBeforeEvent.eventName, { ...flags, cancelable: true, detail });
  }
}
export class OssUploadStartEvent extends CustomEvent<StartDetail> {
  static readonly eventName = 'oss-upload-start';
  constructor(detail: StartDetail) {
    super(OssUploadStartEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadProgressEvent extends CustomEvent<ProgressDetail> {
  static readonly eventName = 'oss-upload-progress';
  constructor(detail: ProgressDetail) {
    super(OssUploadProgressEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadSuccessEvent extends CustomEvent<SuccessDetail> {
  static readonly eventName = 'oss-upload-success';
  constructor(detail: SuccessDetail) {
    super(OssUploadSuccessEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadErrorEvent extends CustomEvent<ErrorDetail> {
  static readonly eventName = 'oss-upload-error';
  constructor(detail: ErrorDetail) {
    super(OssUploadErrorEvent.eventName, { ...flags, detail });
  }
}
/**
 * A file was stopped before it was stored: never fired for a file OSS holds (an abort after the
 * last byte has gone waits for the answer, and a stored file ends in `oss-upload-success`).
 */
export class OssUploadAbortEvent extends CustomEvent<AbortDetail> {
  static readonly eventName = 'oss-upload-abort';
  constructor(detail: AbortDetail) {
    super(OssUploadAbortEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadRetryEvent extends CustomEvent<RetryDetail> {
  static readonly eventName = 'oss-upload-retry';
  constructor(detail: RetryDetail) {
    super(OssUploadRetryEvent.eventName, { ...flags, detail });
  }
}
/** A file was paused (`pause(id)` or its pause button): status `paused`, not an error, no retry. */
export class OssUploadPauseEvent extends CustomEvent<PauseDetail> {
  static readonly eventName = 'oss-upload-pause';
  constructor(detail: PauseDetail) {
    super(OssUploadPauseEvent.eventName, { ...flags, detail });
  }
}
/** A paused file continues (`resume(id)` or its resume button): status `uploading` again. */
export class OssUploadResumeEvent extends CustomEvent<ResumeDetail> {
  static readonly eventName = 'oss-upload-resume';
  constructor(detail: ResumeDetail) {
    super(OssUploadResumeEvent.eventName, { ...flags, detail });
  }
}
export class OssUploadCompleteEvent extends CustomEvent<CompleteDetail> {
  static readonly eventName = 'oss-upload-complete';
  constructor(detail: CompleteDetail) {
    super(OssUploadCompleteEvent.eventName, { ...flags, detail });
  }
}

/** Every event, by name. */
export interface OssUploadEventMap {
  'oss-upload-select': OssUploadSelectEvent;
  'oss-upload-reject': OssUploadRejectEvent;
  'oss-upload-before': OssUploadBeforeEvent;
  'oss-upload-start': OssUploadStartEvent;
  'oss-upload-progress': OssUploadProgressEvent;
  'oss-upload-pause': OssUploadPauseEvent;
  'oss-upload-resume': OssUploadResumeEvent;
  'oss-upload-success': OssUploadSuccessEvent;
  'oss-upload-error': OssUploadErrorEvent;
  'oss-upload-abort': OssUploadAbortEvent;
  'oss-upload-retry': OssUploadRetryEvent;
  'oss-upload-complete': OssUploadCompleteEvent;
}

export type OssUploadEvent = OssUploadEventMap[keyof OssUploadEventMap];

const classes = [
  OssUploadSelectEvent, OssUploadRejectEvent, OssUploadBeforeEvent, OssUploadStartEvent, OssUploadProgressEvent,
  OssUploadPauseEvent, OssUploadResumeEvent, OssUploadSuccessEvent, OssUploadErrorEvent, OssUploadAbortEvent, OssUploadRetryEvent, OssUploadCompleteEvent,
] as const;

/** All event names, in the order a file meets them. */
export const EVENT_NAMES = classes.map((c) => c.eventName) as ReadonlyArray<keyof OssUploadEventMap>;

/**
 * A new event of the same class and detail (the same object, so changes a listener makes to an
 * `oss-upload-before` detail reach the controller), to re-fire an event on another target.
 */
export function refire<E extends OssUploadEvent>(event: E): E {
  const Class = event.constructor as new (detail: E['detail']) => E;
  return new Class(event.detail);
}

declare global {
  interface GlobalEventHandlersEventMap extends OssUploadEventMap {}
}

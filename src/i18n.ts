// The element's words: UI labels and one sentence per error code. Replace any of them through
// the element's `i18n` property (a partial object); codes stay the API, text is presentation.
import type { UploadErrorCode, UploadErrorData } from './errors.js';
import type { UploadStatus } from './events.js';

export interface OssUploadStrings {
  /** The button's label when the slot is empty; `multiple` picks the plural. */
  chooseFile: string;
  chooseFiles: string;
  /** Beside the button, in the drop zone (`dropHintOne` without `multiple`). */
  dropHint: string;
  dropHintOne: string;
  cancel: string;
  retry: string;
  remove: string;
  /** The pause and resume buttons (strategies that can pause, such as sts). */
  pause: string;
  resume: string;
  /** Accessible names of the per-file buttons and progress bar; `{name}` is the file name. */
  cancelLabel: string;
  retryLabel: string;
  pauseLabel: string;
  resumeLabel: string;
  removeLabel: string;
  progressLabel: string;
  fileListLabel: string;
  /** Form validation: `required` and no stored file (`valueMissingOne` without `multiple`). */
  valueMissing: string;
  valueMissingOne: string;
  /** Form validation: files are still uploading (or paused), so the form cannot be submitted yet. */
  uploading: string;
  status: Record<UploadStatus, string>;
  errors: Record<UploadErrorCode, string>;
  /** Friendlier words for some OSS error codes (shown instead of the generic `oss-error`). */
  ossErrors: Record<string, string>;
}

export const DEFAULT_STRINGS: OssUploadStrings = {
  chooseFile: 'Choose a file',
  chooseFiles: 'Choose files',
  dropHint: 'or drop them here',
  dropHintOne: 'or drop it here',
  cancel: 'Cancel',
  retry: 'Retry',
  remove: 'Remove',
  pause: 'Pause',
  resume: 'Resume',
  cancelLabel: 'Cancel upload of {name}',
  retryLabel: 'Retry upload of {name}',
  pauseLabel: 'Pause upload of {name}',
  resumeLabel: 'Resume upload of {name}',
  removeLabel: 'Remove {name}',
  progressLabel: 'Upload progress of {name}',
  fileListLabel: 'Files',
  valueMissing: 'Please upload one or more files.',
  valueMissingOne: 'Please upload a file.',
  uploading: 'Please wait until the files have finished uploading.',
  status: {
    pending: 'Ready',
    queued: 'Waiting',
    uploading: 'Uploading {percent}%',
    paused: 'Paused at {percent}%',
    retrying: 'Retrying…',
    success: 'Uploaded',
    error: 'Failed',
    aborted: 'Cancelled',
    skipped: 'Skipped',
  },
  errors: {
    'too-large': 'The file is too large.',
    'too-small': 'The file is too small.',
    'wrong-type': 'This type of file is not accepted.',
    'too-many-files': 'Too many files.',
    'too-large-for-strategy': 'Files over 5 GB need the sts upload strategy.',
    'credentials-network': 'Could not reach the upload server.',
    'credentials-server-error': 'The upload server had a problem.',
    'credentials-unauthorized': 'Not allowed to upload: are you signed in?',
    'credentials-refused': 'The upload server refused this file.',
    'credentials-invalid': 'The upload server gave an answer that cannot be used.',
    'credentials-expired': 'The upload permission from the server had already expired.',
    'dir-not-allowed': 'Uploading to this folder is not allowed.',
    network: 'The connection was lost.',
    'oss-error': 'The storage service refused the file.',
    aborted: 'Cancelled.',
    'no-endpoint': 'The upload endpoint is not set.',
    'unknown-strategy': 'Unknown upload strategy.',
    'invalid-key': 'The file name cannot be used.',
    'insecure-credentials': 'The upload server handed out a permanent key; it must give temporary (STS) credentials.',
    'etag-not-exposed': 'The storage bucket\'s CORS rule must expose the ETag header.',
    unknown: 'The upload failed.',
  },
  ossErrors: {
    EntityTooLarge: 'The file is larger than the storage service allows.',
    EntityTooSmall: 'The file is smaller than the storage service allows.',
    AccessDenied: 'The storage service denied the upload.',
    SecurityTokenExpired: 'The upload permission expired.',
    FileAlreadyExists: 'A file with this name already exists.',
    CallbackFailed: 'Uploaded, but the server was not notified.',
  },
};

/** Merges a partial override into the defaults (one level deep for the nested tables). */
export function mergeStrings(override: Partial<OssUploadStrings> | undefined): OssUploadStrings {
  if (!override) return DEFAULT_STRINGS;
  return {
    ...DEFAULT_STRINGS,
    ...override,
    status: { ...DEFAULT_STRINGS.status, ...override.status },
    errors: { ...DEFAULT_STRINGS.errors, ...override.errors },
    ossErrors: { ...DEFAULT_STRINGS.ossErrors, ...override.ossErrors },
  };
}

/** `{name}`-style substitution. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The text shown for an error: the OSS code's sentence when there is one, else the code's. */
export function errorText(strings: OssUploadStrings, error: Pick<UploadErrorData, 'code' | 'ossCode'>): string {
  if (error.code === 'oss-error' && error.ossCode && strings.ossErrors[error.ossCode]) return strings.ossErrors[error.ossCode]!;
  return strings.errors[error.code] ?? strings.errors.unknown;
}

/** `1.5 MB`: binary multiples with the usual short names, as browsers show download sizes. */
export function formatBytes(bytes: number, locale?: string): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

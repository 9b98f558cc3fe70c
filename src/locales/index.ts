// The element's words, one module per language: English is built in, the others load with a
// dynamic import the first time a `lang` asks for them (a page in English never downloads them).
// Codes stay the API; text is presentation, and the `i18n` property replaces any string of it.
import type { UploadErrorCode, UploadErrorData } from '../errors.js';
import type { RejectedFile, UploadStatus } from '../events.js';
import { en } from './en.js';

/** A text that depends on a count: one form per plural category (Intl.PluralRules), `other` always. */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/**
 * What a rejection note says, by the rule broken: the codes of `oss-upload-reject`, and
 * `one-at-a-time` for `too-many-files` without `multiple`, `chosen-folder-empty` for a
 * `folder-empty` without a name (an empty folder chosen in the picker: the browser gives no name).
 */
export type RejectionRule = RejectedFile['code'] | 'one-at-a-time' | 'chosen-folder-empty';

export interface OssUploadStrings {
  /** The button's label when the slot is empty; `multiple` picks the plural. */
  chooseFile: string;
  chooseFiles: string;
  /** The button with `directory` (the picker chooses a folder). */
  chooseFolder: string;
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
  /** A file's status; `{percent}` is the formatted percentage, sign included ("42%", "42 %", "%42"). */
  status: Record<UploadStatus, string>;
  /**
   * The status of an uploading file whose bytes have all gone out, while OSS has not answered yet
   * (the last bytes may still be in the connection's buffers): no percentage, no speed.
   */
  finishing: string;
  /** Beside the status of an uploading file, once its speed is known: `{speed}` ("3.2 MB/s") and `{time}` ("12 sec"). */
  rate: string;
  /** A row's status and its `rate` together (`{status}`, `{rate}`), set apart as `rate` sets the speed and the time apart. */
  statusRate: string;
  /** The batch summary (two or more files): its progress bar's accessible name. */
  batchProgressLabel: string;
  /** The batch summary: `{done}` files finished of `{total}` (the plural follows `total`). */
  batchFiles: string | Plural;
  /** The summary after a batch: `{count}` files stored, and `{count}` failed (shown when some did). */
  batchUploaded: string | Plural;
  batchFailed: string | Plural;
  errors: Record<UploadErrorCode, string>;
  /** Friendlier words for some OSS error codes (shown instead of the generic `oss-error`). */
  ossErrors: Record<string, string>;
  /**
   * The visible note about a file that was not added, and what the live region says: `{name}`,
   * `{limit}` (a size, or a count for `too-many-files`, which may be a `Plural` on it) and
   * `{types}` (the `accept` list) for `wrong-type`.
   */
  rejections: Record<RejectionRule, string | Plural>;
  /** The accessible name of the list of notes. */
  rejectionsLabel: string;
  /** The note's close button, and its accessible name (`{name}`). */
  dismiss: string;
  dismissLabel: string;
}

/** The languages that come with the element; others show English words with that locale's numbers. */
export type BuiltInLanguage = 'en' | 'zh-CN' | 'zh-TW' | 'ja';

export const DEFAULT_STRINGS: OssUploadStrings = en;

const loaders: Record<Exclude<BuiltInLanguage, 'en'>, () => Promise<{ default: OssUploadStrings }>> = {
  'zh-CN': () => import('./zh-CN.js'),
  'zh-TW': () => import('./zh-TW.js'),
  ja: () => import('./ja.js'),
};

const tables = new Map<BuiltInLanguage, OssUploadStrings>([['en', en]]);
const loading = new Map<BuiltInLanguage, Promise<OssUploadStrings>>();

export { languageOf } from './language-of.js';

/** The table if it is already here (English always is). */
export function loadedStrings(language: BuiltInLanguage): OssUploadStrings | undefined {
  return tables.get(language);
}

/** Loads a table once per page; English (also when a download fails) without waiting. */
export function loadStrings(language: BuiltInLanguage): Promise<OssUploadStrings> {
  const table = tables.get(language);
  if (table || language === 'en') return Promise.resolve(table ?? en);
  let pending = loading.get(language);
  if (!pending) {
    pending = loaders[language]().then(
      (module) => {
        tables.set(language, module.default);
        return module.default;
      },
      (error: unknown) => {
        loading.delete(language); // a later element may try again
        console.warn(`<oss-upload>: the ${language} words could not be loaded; English is shown.`, error);
        return en;
      },
    );
    loading.set(language, pending);
  }
  return pending;
}

/** A table with a partial override on top (one level deep for the nested tables). */
export function mergeStrings(base: OssUploadStrings, override: Partial<OssUploadStrings> | undefined): OssUploadStrings {
  if (!override) return base;
  return {
    ...base,
    ...override,
    status: { ...base.status, ...override.status },
    errors: { ...base.errors, ...override.errors },
    ossErrors: { ...base.ossErrors, ...override.ossErrors },
    rejections: { ...base.rejections, ...override.rejections },
  };
}

/** The text shown for an error: the OSS code's sentence when there is one, else the code's. */
export function errorText(strings: OssUploadStrings, error: Pick<UploadErrorData, 'code' | 'ossCode'>): string {
  if (error.code === 'oss-error' && error.ossCode && strings.ossErrors[error.ossCode]) return strings.ossErrors[error.ossCode]!;
  return strings.errors[error.code] ?? strings.errors.unknown;
}

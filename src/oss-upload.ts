// <oss-upload>: the package's browser entry and its only side-effect module (the guarded
// define at the end). The element maps attributes to the UploadController, re-fires its events
// on itself, and renders the button, the drop zone and the file list. Transport lives in
// src/strategies, state in src/controller.ts.
import { LitElement, html, type PropertyValues, type ComplexAttributeConverter } from 'lit';
import { property, state } from 'lit/decorators.js';
import { UploadController, type UploadFile } from './controller.js';
import type { FetchCredentials, RequestHeaders } from './credentials.js';
import {
  EVENT_NAMES, OssUploadErrorEvent, OssUploadPauseEvent, OssUploadProgressEvent, OssUploadRejectEvent, OssUploadResumeEvent, OssUploadRetryEvent,
  OssUploadSelectEvent, OssUploadSuccessEvent, refire,
  type OssUploadEvent,
} from './events.js';
import { errorText, mergeStrings, type OssUploadStrings } from './locales/index.js';
import { fill, type Formats } from './ui/format.js';
import { renderFileList, type ListContext } from './ui/list.js';
import { styles } from './ui/styles.js';
import { FocusKeeper } from './ui/focus.js';
import { LanguageController } from './ui/language.js';
import { RateMeter } from './ui/rate.js';
import { noteText, notesFor, renderNotes, type RejectionNote } from './ui/rejections.js';
import { DEFAULT_KEY_TEMPLATE } from './keys.js';
import { FormControl } from './form.js';
import { DEFAULT_STRATEGY } from './strategies/index.js';
import { DEFAULT_MAX_DEPTH, FileIntake } from './input/index.js';
import { IMAGE_TYPES, imageTransform } from './transforms/index.js';

export * from './events.js';
export * from './errors.js';
export { UploadController, matchesAccept, type UploadFile, type UploadControllerOptions } from './controller.js';
export { CredentialCache, requestCredentials, type CredentialRequest, type CredentialsConfig, type FetchCredentials, type RequestHeaders } from './credentials.js';
export {
  DEFAULT_KEY_TEMPLATE, KEY_PLACEHOLDERS, cleanFileName, renderKeyTemplate, normalizeKey, joinKey, objectUrl, newId,
} from './keys.js';
export * from './strategies/index.js';
export { imageTransform, type ImageTransformOptions } from './transforms/index.js';
export { DEFAULT_STRINGS, type OssUploadStrings, type Plural, type RejectionRule } from './locales/index.js';

/** A positive integer, or undefined (an attribute that is absent, 0, negative or not a number). */
const positive = (n: number | undefined): number | undefined => (n !== undefined && Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined);

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const wholeFrom = (min: number) => (n: number | undefined): boolean => n !== undefined && Number.isInteger(n) && n >= min;
const notNegative = (n: number | undefined): boolean => n !== undefined && Number.isFinite(n) && n >= 0;
/** Most parts in flight the sts engine sends (multipart/plan.ts planParallel). */
const MOST_PARALLEL = 16;

/** Per element, `name="value"` of the invalid attributes reported so far: each is warned about once. */
const warned = new WeakMap<Element, Set<string>>();

/**
 * `value` when `valid`, else `fallback`, after one console warning per element that names the
 * attribute, its value and what is used instead: a typo must not silently become another setting.
 */
function checked<T>(el: Element, attribute: string, value: unknown, valid: boolean, fallback: T, instead: string): T {
  if (valid) return value as T;
  const said = `${attribute}="${el.getAttribute(attribute) ?? String(value)}"`;
  const seen = warned.get(el) ?? new Set<string>();
  warned.set(el, seen);
  if (!seen.has(said)) {
    seen.add(said);
    console.warn(`<oss-upload>: ${said} is not valid; ${instead} is used instead.`);
  }
  return fallback;
}

/** A size attribute (`max-size`, `part-size`, …): absent, or bytes ≥ `min` (its converter gives undefined for what it cannot read). */
const validSize = (el: Element, attribute: string, value: number | undefined, min: number): boolean =>
  (value === undefined ? !el.hasAttribute(attribute) : Number.isFinite(value) && value >= min);


/** Sizes in bytes, or with a binary unit: `1048576`, `500KB`, `10 MB`, `1.5GiB`. */
export const sizeConverter: ComplexAttributeConverter<number | undefined> = {
  fromAttribute(value: string | null): number | undefined {
    if (value === null) return undefined;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : undefined;
  },
  toAttribute(value: number | undefined): string | null {
    return value === undefined ? null : String(value);
  },
};

/**
 * Uploads files from the page straight to Alibaba Cloud OSS with credentials from your server.
 *
 * @summary A drop-in file uploader for Alibaba Cloud OSS: button, drop zone, file list with progress.
 *
 * @slot - The button's label (default "Choose files", or "Choose a file" without `multiple`).
 * @slot hint - The text beside the button in the drop zone (default "or drop them here", or "or drop it here" without `multiple`).
 *
 * @csspart dropzone - The area that takes dropped files and opens the file picker on click. While files are dragged over it the host has the `dragover` attribute and `:state(dragover)`: `oss-upload[dragover]::part(dropzone)`.
 * @csspart button - The button that opens the file picker.
 * @csspart hint - The text beside the button.
 * @csspart file-list - The list of files (`<ul>`), absent while empty.
 * @csspart file - One file (`<li>`). It also has the part `file-<status>`, for `::part(file-error)` and the like.
 * @csspart file-pending - A file waiting for `upload()` (`manual`).
 * @csspart file-queued - A file waiting for a free slot.
 * @csspart file-uploading - A file being sent.
 * @csspart file-paused - A file paused by `pause(id)` or its pause button.
 * @csspart file-retrying - A file waiting to be tried again.
 * @csspart file-success - A stored file.
 * @csspart file-error - A failed file.
 * @csspart file-aborted - A cancelled file.
 * @csspart file-skipped - A file `oss-upload-before` skipped.
 * @csspart file-name - The file's name.
 * @csspart file-size - The file's size.
 * @csspart progress - The file's progress bar (`<progress>`).
 * @csspart status - The file's status text (while it has no error).
 * @csspart error - The file's error text.
 * @csspart cancel-button - Aborts the file's upload (also a paused one).
 * @csspart pause-button - Pauses the file's upload; shown while it can pause (the sts strategy's multipart uploads). The same button becomes `resume-button` when paused, so focus stays on it.
 * @csspart resume-button - Continues a paused upload from what was stored.
 * @csspart retry-button - Uploads a failed, cancelled or skipped file again.
 * @csspart remove-button - Takes a finished file off the list.
 *
 * @cssproperty --oss-upload-font-family - The font. Default the system UI font (`inherit` follows the page).
 * @cssproperty --oss-upload-accent-color - Button, progress and focus colour. Default `#1a73e8`.
 * @cssproperty --oss-upload-button-text-color - Text on the button. Default `#fff`.
 * @cssproperty --oss-upload-text-color - Text colour. Default `inherit`.
 * @cssproperty --oss-upload-muted-color - Secondary text (sizes, hints, statuses). Default `#5f6368`.
 * @cssproperty --oss-upload-border-color - Drop zone and list borders. Default `#c4c7cc`.
 * @cssproperty --oss-upload-background - The file list's background. Default `transparent`.
 * @cssproperty --oss-upload-dropzone-background - The drop zone's background. Default `#f8f9fa`.
 * @cssproperty --oss-upload-dragover-background - The drop zone's background while files are over it. Default `#e8f0fe`.
 * @cssproperty --oss-upload-progress-track-color - The empty part of a progress bar. Default `#e3e6ea`.
 * @cssproperty --oss-upload-success-color - Status text of uploaded files. Default `#137333`.
 * @cssproperty --oss-upload-error-color - Error text. Default `#c5221f`.
 * @cssproperty --oss-upload-radius - Corner radius. Default `8px`.
 * @cssproperty --oss-upload-spacing - The base spacing unit. Default `12px`.
 *
 * @fires {OssUploadSelectEvent} oss-upload-select - Files were accepted into the list. `detail.files`.
 * @fires {OssUploadRejectEvent} oss-upload-reject - Files were refused before any request (`accept`, `max-size`, `min-size`, `max-files`, strategy limit), or folders were not read (`max-depth`, too many files). `detail.files[].code`.
 * @fires {OssUploadBeforeEvent} oss-upload-before - A file is about to start; cancelable (skips the file); `detail.key` and `detail.meta` may be changed.
 * @fires {OssUploadStartEvent} oss-upload-start - A file started uploading.
 * @fires {OssUploadProgressEvent} oss-upload-progress - Bytes went out: `loaded`, `total`, `percent` and the `batch` totals; monotonic, ends with loaded === total.
 * @fires {OssUploadPauseEvent} oss-upload-pause - A file was paused (status `paused`): not an error, nothing retried.
 * @fires {OssUploadResumeEvent} oss-upload-resume - A paused file continues (status `uploading`).
 * @fires {OssUploadSuccessEvent} oss-upload-success - A file is stored: `key`, `bucket`, `url`, `etag`, `strategy`, `callback`.
 * @fires {OssUploadErrorEvent} oss-upload-error - A file failed for good: `code`, `message`, `status`, `ossCode`, `requestId`, `retryable`.
 * @fires {OssUploadAbortEvent} oss-upload-abort - A file was cancelled.
 * @fires {OssUploadRetryEvent} oss-upload-retry - A file is tried again (`manual` for `retry()`), after `delay` ms.
 * @fires {OssUploadCompleteEvent} oss-upload-complete - The queue drained: `successful`, `failed`, `aborted`.
 */
export class OssUpload extends LitElement {
  /** A form control (ElementInternals): see README "Forms". */
  static formAssociated = true;

  static override styles = styles;

  /**
   * The upload strategy, a registered name: `signed-policy` (a signed PostObject form, up to 5 GB),
   * `sts` (temporary credentials, multipart, pause/resume, resume after a reload), `proxy` (through
   * your server); apps may register more.
   */
  @property({ reflect: true }) strategy: string = DEFAULT_STRATEGY;
  /** URL of your credential endpoint (same origin by default; see `with-credentials`). */
  @property() endpoint?: string;
  /** Lets the user pick several files at once. */
  @property({ type: Boolean }) multiple = false;
  /** Accepted types, as on `<input type=file>`: `.pdf,image/*`. Others are rejected before any request. */
  @property() accept?: string;
  /** Largest file: bytes, or with a unit (`10MB`, `1.5GiB`; binary multiples). */
  @property({ attribute: 'max-size', converter: sizeConverter }) maxSize?: number;
  /** Smallest file, like `max-size`. */
  @property({ attribute: 'min-size', converter: sizeConverter }) minSize?: number;
  /** Most files the list may hold until some are removed. */
  @property({ attribute: 'max-files', type: Number }) maxFiles?: number;
  /**
   * A key prefix (folder) the page proposes to the endpoint, sent as its `dir` query parameter;
   * the server decides (and may refuse it). Not `dir`, which is HTML's text direction, on this
   * element as on any other.
   */
  @property({ attribute: 'upload-dir' }) uploadDir?: string;
  /**
   * Files uploading at a time. Default: the strategy's — 6 for signed-policy and sts (the connections
   * a browser opens to the bucket's host; sts shares them between files and parts), 3 for proxy.
   */
  @property({ type: Number }) concurrency?: number;
  /** Automatic retries after a retryable failure (network, 5xx, throttling). */
  @property({ type: Number }) retries = 3;
  /** Base delay of the exponential backoff between retries, ms (doubles each time, with jitter). */
  @property({ attribute: 'retry-delay', type: Number }) retryDelay = 1000;
  /** Milliseconds without progress after which an upload counts as a dropped connection (`network`, retried). 0: never. */
  @property({ attribute: 'stall-timeout', type: Number }) stallTimeout = 60_000;
  /** Waits for `upload()` instead of starting as soon as files are chosen. */
  @property({ type: Boolean }) manual = false;
  /** Blocks choosing and dropping files; so does a disabled `<fieldset>`. A disabled element is left out of its form's data and validation. */
  @property({ type: Boolean, reflect: true }) disabled = false;
  /** Sends cookies to a cross-origin endpoint (`fetch` with `credentials: 'include'`). */
  @property({ attribute: 'with-credentials', type: Boolean }) withCredentials = false;
  /** How object keys are made under the server's dir; placeholders in README "Key rule". */
  @property({ attribute: 'key-template' }) keyTemplate: string = DEFAULT_KEY_TEMPLATE;
  /** The picker chooses a folder (`webkitdirectory`); its files keep their paths (`{path}`, `relativePath`). Implies `multiple`. */
  @property({ type: Boolean }) directory = false;
  /** Most folder levels read from a dropped or chosen folder, the folder itself being level 1; deeper ones are rejected (`folder-too-deep`). */
  @property({ attribute: 'max-depth', type: Number }) maxDepth = DEFAULT_MAX_DEPTH;
  /** Takes files pasted anywhere on the page, not only into the element; a paste into a text field stays the field's. */
  @property({ type: Boolean }) paste = false;
  /** Forwarded to the file input, for phones' cameras: `environment` (rear), `user` (front), or empty (the browser picks). */
  @property() capture?: string;
  /** Images (JPEG, PNG, WebP) larger than this many pixels on their longest side are scaled down before upload. */
  @property({ attribute: 'image-max-dimension', type: Number }) imageMaxDimension?: number;
  /** Encoder quality of the images scaled down or re-encoded (JPEG, WebP), 0–1. Default 0.85. */
  @property({ attribute: 'image-quality', type: Number }) imageQuality?: number;
  /** Encodes images (JPEG, PNG, WebP) to this type before upload: `image/jpeg`, `image/webp` or `image/png`. Default their own. */
  @property({ attribute: 'image-type' }) imageType?: string;
  /** sts: `native` (the package's own multipart engine) or `ali-oss` (ali-oss's multipartUpload, downloaded only when used). */
  @property() engine: 'native' | 'ali-oss' = 'native';
  /** sts: bytes per part, or with a unit (`16MB`); raised when 10,000 parts would not hold the file. Default: cut to the link's measured rate. */
  @property({ attribute: 'part-size', converter: sizeConverter }) partSize?: number;
  /** sts: the most parts in flight per file. Default: as many as make the upload faster, up to the bucket host's 6 connections (shared with the other files). */
  @property({ type: Number }) parallel?: number;
  /** sts: the bucket, when the endpoint answers with the raw STS `Credentials` shape (no `bucket`). */
  @property() bucket?: string;
  /** sts: the region (`cn-hangzhou` or `oss-cn-hangzhou`), when the endpoint's answer has none. */
  @property() region?: string;
  /** sts: an OSS endpoint when the answer has none, such as the local emulator's `http://localhost:9000` (addressed path-style). */
  @property({ attribute: 'oss-endpoint' }) ossEndpoint?: string;
  /**
   * sts: accept credentials without a security token (a long-term AccessKey), which every visitor
   * of the page can read and use: for local development only. Without it they fail with
   * `insecure-credentials`.
   */
  @property({ attribute: 'insecure-allow-long-term-keys', type: Boolean }) insecureAllowLongTermKeys = false;
  /** Headers for the endpoint (e.g. a bearer token): an object, or a function returning one (may be async). Property only. */
  @property({ attribute: false }) requestHeaders?: RequestHeaders;
  /** Replaces the GET to the endpoint with your own function returning the endpoint's JSON. Property only. */
  @property({ attribute: false }) fetchCredentials?: FetchCredentials;
  /** Replaces some of the UI's words (partial `OssUploadStrings`) over those of the element's language (`lang`). Property only. */
  @property({ attribute: false }) i18n?: Partial<OssUploadStrings>;
  /** Form field name: the form gets one entry under it per stored file's key. Without it nothing is submitted. */
  @property() name = '';
  /** The form cannot be submitted until a file is stored (`valueMissing`). */
  @property({ type: Boolean, reflect: true }) required = false;

  @state() private dragging = false;
  @state() private announcement = '';
  /** What the latest choice refused, shown until dismissed or the next choice. */
  @state() private notes: readonly RejectionNote[] = [];

  readonly #controller = new UploadController({}, () => {
    this.#form.sync();
    this.requestUpdate();
  });
  readonly #internals: ElementInternals | undefined;
  readonly #form: FormControl;
  readonly #intake = new FileIntake(this, {
    settings: () => ({
      disabled: this.#disabled, multiple: this.multiple || this.directory, accept: this.accept, directory: this.directory,
      capture: this.capture ?? undefined, paste: this.paste,
      maxDepth: checked(this, 'max-depth', this.maxDepth, wholeFrom(1)(this.maxDepth), DEFAULT_MAX_DEPTH, `${DEFAULT_MAX_DEPTH} (the default)`),
    }),
    capacity: () => {
      const max = this.#controller.options.maxFiles;
      return max === undefined ? undefined : Math.max(0, max - this.#controller.files.length);
    },
    add: (files, refused) => {
      this.#sync();
      this.#controller.addFiles(files, refused);
    },
  });
  readonly #language = new LanguageController(this);
  readonly #rates = new RateMeter();
  #dragDepth = 0;

  constructor() {
    super();
    try {
      this.#internals = this.attachInternals();
    } catch {
      this.#internals = undefined;
    }
    this.#form = new FormControl(this, {
      internals: this.#internals,
      name: () => this.name,
      required: () => this.required,
      multiple: () => this.multiple,
      files: () => this.#controller.files,
      strings: () => this.#strings,
      anchor: () => this.renderRoot?.querySelector<HTMLElement>('[part~="button"]') ?? null,
      clear: () => this.clear(),
    });
    for (const name of EVENT_NAMES) this.#controller.addEventListener(name, this.#handleControllerEvent);
    new FocusKeeper(this, () => this.renderRoot?.querySelector<HTMLElement>('[part~="button"]') ?? null);
  }

  /** The files and their state, oldest first (read-only snapshots; `file` is the File). */
  get files(): readonly UploadFile[] {
    return this.#controller.files;
  }

  /** Opens the file picker (no-op while `disabled`). */
  browse(): void {
    if (this.#disabled) return;
    this.#input?.click();
  }

  /** Adds files as if the user chose them: validated, listed, and uploaded unless `manual`. Returns the accepted ids. */
  addFiles(files: Iterable<File> | ArrayLike<File>): string[] {
    this.#sync();
    return this.#controller.addFiles(files);
  }

  /** Starts the files waiting for it (with `manual`). */
  upload(): void {
    this.#sync();
    this.#controller.upload();
  }

  /** Cancels one file's upload, or all unfinished ones. */
  abort(id?: string): void {
    this.#controller.abort(id);
  }

  /**
   * Pauses one uploading file, or all, when the strategy can (sts's multipart uploads): nothing
   * more is sent, what OSS stored is kept. Returns whether a file was paused (false for a file
   * that goes in one request, or with a strategy that cannot pause).
   */
  pause(id?: string): boolean {
    return this.#controller.pause(id);
  }

  /** Continues one paused file, or all, from what was stored. Returns whether a file was paused. */
  resume(id?: string): boolean {
    return this.#controller.resume(id);
  }

  /** Uploads again one failed/cancelled/skipped file, or all of them. */
  retry(id?: string): void {
    this.#sync();
    this.#controller.retry(id);
  }

  /**
   * Takes a file off the list (cancelling it first if unfinished). Without an id it is
   * `Element.remove()`: the element leaves the DOM, as any element would.
   */
  override remove(id?: string): void {
    if (id === undefined) super.remove();
    else if (!this.#form.removeRestored(id)) this.#controller.remove(id);
  }

  /** Empties the list, cancelling unfinished uploads (and closes the notes about refused files). */
  clear(): void {
    this.#form.clearRestored();
    this.#controller.clear();
    this.notes = [];
  }

  /** The form the element belongs to, as on native controls. */
  get form(): HTMLFormElement | null {
    return this.#form.form;
  }

  /** The `<label>`s of the element. */
  get labels(): NodeList {
    return this.#form.labels;
  }

  /** `valueMissing` (`required`, no stored file); `customError` while files upload, or after `setCustomValidity`. */
  get validity(): ValidityState {
    return this.#form.validity;
  }

  get validationMessage(): string {
    return this.#form.validationMessage;
  }

  get willValidate(): boolean {
    return this.#form.willValidate;
  }

  checkValidity(): boolean {
    return this.#form.checkValidity();
  }

  /** As `checkValidity()`, and shows the message at the button (and focuses it) when invalid. */
  reportValidity(): boolean {
    return this.#form.reportValidity();
  }

  /** Your own error (an empty string clears it), shown before the element's own messages. */
  setCustomValidity(message: string): void {
    this.#form.setCustomValidity(message);
  }

  /** @internal Called by the browser: a disabled fieldset, or the own `disabled` attribute. */
  formDisabledCallback(disabled: boolean): void {
    this.#form.disabledCallback(disabled);
  }

  /** @internal Called by the browser on `form.reset()`: empties the list, cancelling what runs. */
  formResetCallback(): void {
    this.#form.resetCallback();
  }

  /** @internal Called by the browser after a back-navigation: the stored keys come back as rows without a File. */
  formStateRestoreCallback(state: string | File | FormData | null, mode: 'restore' | 'autocomplete'): void {
    this.#form.restoreCallback(state, mode);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.#sync();
  }

  /** The first render waits for the words of a language still loading (a few ms), so they never switch under the user's eyes. */
  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return super.shouldUpdate(changed) && (this.hasUpdated || !this.#language.loading);
  }

  /** Also waits for the words of the element's language (`lang`, also one just changed), so that a test or an app sees them rendered. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let done: boolean;
    do {
      await this.#language.ready;
      done = await super.getUpdateComplete();
    } while (this.#language.loading);
    return done;
  }

  #sync(): void {
    const parallel = checked(this, 'parallel', this.parallel,
      this.parallel === undefined ? !this.hasAttribute('parallel') : wholeFrom(1)(this.parallel), undefined, 'the engine\'s default');
    this.#controller.configure({
      strategy: this.strategy || DEFAULT_STRATEGY,
      endpoint: this.endpoint,
      requestHeaders: this.requestHeaders,
      withCredentials: this.withCredentials,
      fetchCredentials: this.fetchCredentials,
      accept: this.accept,
      maxSize: checked(this, 'max-size', this.maxSize, validSize(this, 'max-size', this.maxSize, 0), undefined, 'no size limit'),
      minSize: checked(this, 'min-size', this.minSize, validSize(this, 'min-size', this.minSize, 0), undefined, 'no minimum size'),
      maxFiles: checked(this, 'max-files', this.maxFiles,
        this.maxFiles === undefined ? !this.hasAttribute('max-files') : wholeFrom(0)(this.maxFiles), undefined, 'no limit on the number of files'),
      multiple: this.multiple || this.directory,
      dir: this.uploadDir,
      concurrency: checked(this, 'concurrency', this.concurrency ?? undefined, this.concurrency == null || wholeFrom(1)(this.concurrency), undefined,
        'the strategy\'s default'),
      retries: checked(this, 'retries', this.retries, wholeFrom(0)(this.retries), 3, '3 (the default)'),
      retryDelay: checked(this, 'retry-delay', this.retryDelay, notNegative(this.retryDelay), 1000, '1000 ms (the default)'),
      manual: this.manual,
      stallTimeout: checked(this, 'stall-timeout', this.stallTimeout, notNegative(this.stallTimeout), 60_000, '60000 ms (the default)'),
      keyTemplate: this.keyTemplate || DEFAULT_KEY_TEMPLATE,
      transform: imageTransform({
        maxDimension: checked(this, 'image-max-dimension', this.imageMaxDimension, this.imageMaxDimension === undefined || wholeFrom(1)(this.imageMaxDimension), undefined, 'no downscaling'),
        quality: checked(this, 'image-quality', this.imageQuality, this.imageQuality === undefined || (this.imageQuality >= 0 && this.imageQuality <= 1), undefined, '0.85 (the default)'),
        type: checked(this, 'image-type', this.imageType || undefined, !this.imageType || IMAGE_TYPES.includes(this.imageType), undefined, 'the image\'s own type'),
      }),
      // Read by the strategies that know them (sts); others ignore them.
      strategyOptions: {
        // Only what the page set: a default here would override a registered strategy's own settings.
        engine: checked<string>(this, 'engine', this.engine, ['native', 'ali-oss', ''].includes(this.engine), 'native', 'native (the default)') === 'ali-oss'
          ? 'ali-oss' : undefined,
        partSize: positive(checked(this, 'part-size', this.partSize, validSize(this, 'part-size', this.partSize, 1), undefined,
          'the part size the engine chooses')),
        parallel: parallel === undefined ? undefined : checked(this, 'parallel', parallel, parallel <= MOST_PARALLEL, MOST_PARALLEL, `${MOST_PARALLEL} (the most)`),
        bucket: this.bucket || undefined,
        region: this.region || undefined,
        ossEndpoint: this.ossEndpoint || undefined,
        insecureAllowLongTermKeys: this.insecureAllowLongTermKeys || undefined,
      },
    });
  }

  /** Own `disabled`, or a disabled `<fieldset>` around it. */
  get #disabled(): boolean {
    return this.disabled || this.#form.disabled;
  }

  get #input(): HTMLInputElement | null {
    return this.renderRoot?.querySelector('input[type=file]') ?? null;
  }

  /** The words of the element's language, with the `i18n` property's on top. */
  get #strings(): OssUploadStrings {
    return mergeStrings(this.#language.strings, this.i18n);
  }

  /** Says `text` through the live region, also when it is the same as last time (the same file refused twice). */
  #announce(text: string): void {
    if (text !== this.announcement) {
      this.announcement = text;
      return;
    }
    this.announcement = ''; // an unchanged region is not read again: empty it for one render first
    void this.updateComplete.then(() => (this.announcement = text));
  }

  readonly #handleControllerEvent = (event: Event): void => {
    this.#form.sync(); // the controller changed the list before firing: listeners must see the form's new value
    const own = refire(event as OssUploadEvent);
    this.dispatchEvent(own);
    if (own.defaultPrevented) event.preventDefault();
    if (own instanceof OssUploadProgressEvent) {
      this.#rates.note(own.detail.file.id, own.detail.loaded);
      return;
    }
    // A start, a pause or the end: measured afresh (not for a request the strategy sends again within its attempt).
    if ('file' in own.detail && !(own instanceof OssUploadRetryEvent && own.detail.operation)) this.#rates.forget(own.detail.file.id);
    // What a screen reader hears: outcomes, not every progress tick.
    const s = this.#strings;
    const f = this.#language.formats;
    const said = (name: string, text: string) => this.#announce(`${name}: ${text}`);
    if (own instanceof OssUploadSuccessEvent) said(own.detail.file.name, s.status.success);
    else if (own instanceof OssUploadErrorEvent) said(own.detail.file.name, errorText(s, own.detail));
    else if (own instanceof OssUploadPauseEvent || own instanceof OssUploadResumeEvent) {
      said(own.detail.file.name, fill(s.status[own.detail.file.status], { percent: f.percent(own.detail.file.percent) }));
    } else if (own instanceof OssUploadSelectEvent) this.notes = []; // a new choice: the notes were about the last one
    else if (own instanceof OssUploadRejectEvent) {
      const o = this.#controller.options;
      this.notes = notesFor(own.detail.files, { multiple: o.multiple !== false, accept: o.accept, ...(o.maxFiles !== undefined ? { maxFiles: o.maxFiles } : {}) });
      this.#announce(this.notes.map((n) => noteText(n, s, f)).join(' '));
    }
  };

  readonly #dismiss = (key: string): void => {
    this.notes = this.notes.filter((n) => n.key !== key);
  };

  readonly #handleZoneClick = (): void => {
    this.browse();
  };

  #setDragging(on: boolean): void {
    this.dragging = on;
    this.toggleAttribute('dragover', on);
    try {
      if (on) this.#internals?.states.add('dragover');
      else this.#internals?.states.delete('dragover');
    } catch {
      /* CustomStateSet unsupported: the attribute still says it */
    }
  }

  readonly #handleDragEnter = (event: DragEvent): void => {
    if (this.#disabled || !event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    this.#dragDepth++;
    this.#setDragging(true);
  };

  readonly #handleDragOver = (event: DragEvent): void => {
    if (this.#disabled || !event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    if (!this.dragging) this.#setDragging(true);
  };

  readonly #handleDragLeave = (): void => {
    this.#dragDepth = Math.max(0, this.#dragDepth - 1);
    if (this.#dragDepth === 0) this.#setDragging(false);
  };

  readonly #handleDrop = (event: DragEvent): void => {
    this.#dragDepth = 0;
    this.#setDragging(false);
    if (this.#disabled) return;
    event.preventDefault();
    this.#intake.drop(event.dataTransfer);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    // `dir` was the upload folder before it became upload-dir: an old page must hear of it.
    const dir = this.getAttribute('dir');
    if (dir !== null && !/^(ltr|rtl|auto)$/i.test(dir.trim())) {
      checked(this, 'dir', dir, false, undefined, `the inherited text direction (for an upload folder, write upload-dir="${dir}")`);
    }
  }

  #listContext(strings: OssUploadStrings, formats: Formats): ListContext {
    return {
      strings, formats, rate: (id) => this.#rates.rate(id),
      pause: (id) => this.pause(id), resume: (id) => this.resume(id), abort: (id) => this.abort(id), retry: (id) => this.retry(id), remove: (id) => this.remove(id),
    };
  }

  protected override render() {
    const s = this.#strings;
    const f = this.#language.formats;
    const files = [...this.#form.restored, ...this.#controller.files];
    return html`
      <div part="dropzone" ?data-dragover=${this.dragging} @click=${this.#handleZoneClick}
        @dragenter=${this.#handleDragEnter} @dragover=${this.#handleDragOver} @dragleave=${this.#handleDragLeave} @drop=${this.#handleDrop}>
        <button part="button" type="button" ?disabled=${this.#disabled}><slot>${this.multiple ? s.chooseFiles : s.chooseFile}</slot></button>
        <span part="hint"><slot name="hint">${this.multiple ? s.dropHint : s.dropHintOne}</slot></span>
      </div>
      ${this.#intake.picker()}
      ${renderNotes(this.notes, s, f, this.#dismiss)}
      ${renderFileList(files, this.#listContext(s, f))}
      <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'oss-upload': OssUpload;
  }
}

customElements.get('oss-upload') ?? customElements.define('oss-upload', OssUpload);

// <oss-upload>: the package's browser entry and its only side-effect module (the guarded
// define at the end). This is the element's shell, all that a page downloads before the user
// acts: the properties, the drop zone, the button and its words, the hidden file input. The rest
// (the UploadController, the form control, the file list, the events re-fired on the element)
// is the core (src/element/core.ts), loaded with `import()` when the user starts an upload (a click
// that opens the picker, a drag over the element) or a method needs it; files chosen, dropped or
// pasted before it arrives wait for it. The runtime API is `oss-upload/core`
// (src/core.ts): re-exported here it would be downloaded with the element.
import { LitElement, html, nothing, type PropertyValues, type ComplexAttributeConverter } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { UploadFile } from './controller.js';
import type { FetchCredentials, RequestHeaders } from './credentials.js';
import type { OssUploadStrings } from './locales/index.js';
import { styles } from './ui/styles.js';
import { LanguageController } from './ui/language.js';
import { DEFAULT_MAX_DEPTH, FileIntake, type Arrival } from './input/index.js';
import { checked } from './element/checks.js';
import { SHELL_WORDS, type ShellWords } from './element/words.js';
import type { ElementCore } from './element/core.js';
import { prefetchStrategy } from './strategies/code.js';

export type * from './core.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

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
 * @slot - The button's label (default "Choose files", "Choose a file" without `multiple`, "Choose a folder" with `directory`).
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
 * @csspart preview - The 40×40 cell at the start of a file's row (absent with `previews="none"`), holding its thumbnail or icon. Decorative (`aria-hidden`); its size is `--oss-upload-preview-size`.
 * @csspart thumbnail - An image's thumbnail (`<canvas>`, letterboxed in the cell), once decoded; until then, and for an image that cannot be decoded, the icon.
 * @csspart file-icon - The icon of a file that has no thumbnail (inline SVG in `currentColor`). It also has the part `file-icon-<family>`: `image`, `video`, `audio`, `pdf`, `archive`, `text`, `spreadsheet` or `generic`.
 * @csspart progress - The file's progress bar (`<progress>`).
 * @csspart status - The file's status text (while it has no error).
 * @csspart error - The file's error text.
 * @csspart mark - The ✓ before a stored file's status, or the ✗ before a failed file's error (inline SVG in the text's colour, `aria-hidden`: the words say it). It also has the part `mark-success` or `mark-error`.
 * @csspart cancel-button - Aborts the file's upload (also a paused one).
 * @csspart pause-button - Pauses the file's upload; shown while it can pause (the sts strategy's multipart uploads). The same button becomes `resume-button` when paused, so focus stays on it.
 * @csspart resume-button - Continues a paused upload from what was stored.
 * @csspart retry-button - Uploads a failed, cancelled or skipped file again.
 * @csspart remove-button - Takes a finished file off the list.
 * @csspart summary - The batch summary, above the list: shown while two or more files upload together, and after such a batch until the next starts or its files leave the list. It also has the part `summary-uploading`, `summary-paused` (every unfinished file paused) or `summary-done`.
 * @csspart summary-uploading - The summary while the batch uploads.
 * @csspart summary-paused - The summary while every unfinished file of the batch is paused.
 * @csspart summary-done - The summary after the batch: how many files were uploaded, and failed.
 * @csspart summary-progress - The batch's progress bar (`<progress>`).
 * @csspart summary-text - "3 of 10 files" (finished of all), or "10 files uploaded" after the batch.
 * @csspart summary-percent - The batch's percentage.
 * @csspart summary-rate - The batch's speed and time left, after two seconds of data and while bytes go out (the time in a `<time datetime>`); or the paused words.
 * @csspart summary-failed - "1 failed", after a batch with failures.
 *
 * @attr {'light' | 'dark'} theme - Forces the light or the dark colours; absent, the widget follows the system's colour scheme (`prefers-color-scheme`). Pure CSS (`:host([theme=dark])`): no property.
 * @cssproperty --oss-upload-font-family - The font. Default the system UI font (`inherit` follows the page).
 * @cssproperty --oss-upload-accent-color - Button, progress and focus colour. Default `light-dark(#1a73e8, #8ab4f8)` (light, dark).
 * @cssproperty --oss-upload-button-text-color - Text on the button. Default `light-dark(#fff, #202124)`.
 * @cssproperty --oss-upload-text-color - Text colour. Default `light-dark(#202124, #e8eaed)`.
 * @cssproperty --oss-upload-muted-color - Secondary text (sizes, hints, statuses). Default `light-dark(#5f6368, #9aa0a6)`.
 * @cssproperty --oss-upload-border-color - The drop zone's, the file buttons' and the progress bars' borders (3:1 on the backgrounds). Default `#80868b`.
 * @cssproperty --oss-upload-divider-color - The file list's outline and the lines between files (decorative). Default `light-dark(#dadce0, #3c4043)`.
 * @cssproperty --oss-upload-background - The file list's background. Default `light-dark(#fff, #202124)`.
 * @cssproperty --oss-upload-dropzone-background - The drop zone's background. Default `light-dark(#f8f9fa, #292a2d)`.
 * @cssproperty --oss-upload-dragover-background - The drop zone's background while files are over it. Default `light-dark(#e8f0fe, #1d3557)`.
 * @cssproperty --oss-upload-progress-track-color - The empty part of a progress bar. Default `light-dark(#e3e6ea, #3c4043)`.
 * @cssproperty --oss-upload-success-color - Status text and bar of uploaded files. Default `light-dark(#137333, #81c995)`.
 * @cssproperty --oss-upload-error-color - Error text and the notes about refused files. Default `light-dark(#c5221f, #f28b82)`.
 * @cssproperty --oss-upload-error-background - The notes about refused files. Default `light-dark(#fce8e6, #3b1f1e)`.
 * @cssproperty --oss-upload-preview-size - The side of a file's preview cell. Default `40px` (thumbnails are decoded for the cell's size when they are made).
 * @cssproperty --oss-upload-preview-background - The preview cell's background (around a letterboxed thumbnail, behind an icon). Default `light-dark(#f1f3f4, #303134)`.
 * @cssproperty --oss-upload-preview-color - The file icons' colour. Default the muted colour.
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
  // Literal defaults (DEFAULT_STRATEGY, DEFAULT_KEY_TEMPLATE): their modules load with the core.
  @property({ reflect: true }) strategy: string = 'signed-policy';
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
  @property({ attribute: 'key-template' }) keyTemplate: string = '{id}/{name}';
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
  /** Each file's preview: `thumbnails` of images (decoded at thumbnail size) and icons for the other files, `icons` only (no image decoded), or `none` (no preview cell). */
  @property() previews: 'thumbnails' | 'icons' | 'none' = 'thumbnails';
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

  readonly #internals: ElementInternals | undefined;
  /** The core, once loaded; `#loading` while its import is on its way. */
  #core?: ElementCore;
  #loading?: Promise<ElementCore> | undefined;
  /** What formDisabledCallback said (a disabled `<fieldset>`), kept for the core. */
  #formDisabled = false;
  /** A `setCustomValidity` message given before the core arrived. */
  #customValidity = '';
  readonly #intake = new FileIntake(this, {
    settings: () => ({
      disabled: this.#disabled, multiple: this.multiple || this.directory, accept: this.accept, directory: this.directory,
      capture: this.capture ?? undefined, paste: this.paste,
    }),
    take: (arrival) => this.#take(arrival),
  });
  readonly #language = new LanguageController(this);
  #dragDepth = 0;

  constructor() {
    super();
    try {
      this.#internals = this.attachInternals();
    } catch {
      this.#internals = undefined;
    }
    // A drag over the element starts an upload: the core loads while the files are on their way to the
    // drop. A click (the zone's, the button's, by mouse, touch or keyboard) loads it in browse(), while
    // the picker is open. A hover, a focus or a touch does not: most of them are not uploads.
    this.addEventListener('dragenter', this.#starting, { passive: true });
  }

  /** The files and their state, oldest first (read-only snapshots; `file` is the File). Empty until the core has loaded. */
  get files(): readonly UploadFile[] {
    return this.#core?.files ?? [];
  }

  /** Opens the file picker (no-op while `disabled`). */
  browse(): void {
    if (this.#disabled) return;
    this.#starting();
    this.#input?.click();
  }

  /**
   * Adds files as if the user chose them: validated, listed, and uploaded unless `manual`.
   * Resolves with the accepted ids once the element's core has loaded (at once when it has);
   * rejects with `code` `network` when its code cannot be loaded.
   */
  addFiles(files: Iterable<File> | ArrayLike<File>): Promise<string[]> {
    const list = Array.from(files); // now: a FileList may be emptied before the core arrives
    prefetchStrategy(this.strategy);
    // Listed at once when the core is there, so that `addFiles(f); upload()` keeps its order (`manual`).
    if (this.#core) return Promise.resolve(this.#core.addFiles(list));
    return this.#load().then((core) => core.addFiles(list));
  }

  /** Starts the files waiting for it (with `manual`). */
  upload(): void {
    this.#then((core) => core.upload());
  }

  /** Cancels one file's upload, or all unfinished ones. */
  abort(id?: string): void {
    this.#then((core) => core.abort(id));
  }

  /**
   * Pauses one uploading file, or all, when the strategy can (sts's multipart uploads): nothing
   * more is sent, what OSS stored is kept. Returns whether a file was paused (false for a file
   * that goes in one request, or with a strategy that cannot pause).
   */
  pause(id?: string): boolean {
    return this.#core?.pause(id) ?? false;
  }

  /** Continues one paused file, or all, from what was stored. Returns whether a file was paused. */
  resume(id?: string): boolean {
    return this.#core?.resume(id) ?? false;
  }

  /** Uploads again one failed/cancelled/skipped file, or all of them. */
  retry(id?: string): void {
    this.#then((core) => core.retry(id));
  }

  /**
   * Takes a file off the list (cancelling it first if unfinished). Without an id it is
   * `Element.remove()`: the element leaves the DOM, as any element would.
   */
  override remove(id?: string): void {
    if (id === undefined) super.remove();
    else this.#then((core) => core.remove(id));
  }

  /** Empties the list, cancelling unfinished uploads (and closes the notes about refused files). */
  clear(): void {
    this.#then((core) => core.clear());
  }

  /** The form the element belongs to, as on native controls. */
  get form(): HTMLFormElement | null {
    return this.#internals?.form ?? null;
  }

  /** The `<label>`s of the element. */
  get labels(): NodeList {
    return this.#internals?.labels ?? document.createDocumentFragment().childNodes;
  }

  /** `valueMissing` (`required`, no stored file); `customError` while files upload, or after `setCustomValidity`. */
  get validity(): ValidityState {
    return this.#core?.form?.validity ?? this.#internals?.validity ?? ({ valid: true } as ValidityState);
  }

  get validationMessage(): string {
    return this.#core?.form?.validationMessage ?? this.#internals?.validationMessage ?? '';
  }

  get willValidate(): boolean {
    return this.#internals?.willValidate ?? false;
  }

  checkValidity(): boolean {
    return this.#core?.form?.checkValidity() ?? this.#internals?.checkValidity() ?? true;
  }

  /** As `checkValidity()`, and shows the message at the button (and focuses it) when invalid. */
  reportValidity(): boolean {
    return this.#core?.form?.reportValidity() ?? this.#internals?.reportValidity() ?? true;
  }

  /** Your own error (an empty string clears it), shown before the element's own messages. */
  setCustomValidity(message: string): void {
    if (this.#core) return this.#core.setCustomValidity(message);
    // Before the core: said to the browser at once, and handed to the core when it arrives.
    this.#customValidity = String(message);
    this.#internals?.setValidity(this.#customValidity ? { customError: true } : {}, this.#customValidity, this.#button ?? undefined);
    this.#intent();
  }

  /** @internal Called by the browser: a disabled fieldset, or the own `disabled` attribute. */
  formDisabledCallback(disabled: boolean): void {
    this.#formDisabled = disabled;
    this.#core?.form?.disabledCallback(disabled);
    this.requestUpdate();
  }

  /** @internal Called by the browser on `form.reset()`: empties the list, cancelling what runs. */
  formResetCallback(): void {
    this.#core?.reset(); // without the core the list is empty already
  }

  /** @internal Called by the browser after a back-navigation: the stored keys come back as rows without a File. */
  formStateRestoreCallback(state: string | File | FormData | null, mode: 'restore' | 'autocomplete'): void {
    if (mode !== 'restore' || typeof state !== 'string') return;
    void this.#load().then((core) => core.restore(state, mode), (error: unknown) => console.error(error));
  }

  /** @internal Called by the browser when the element joins or leaves a form: in one it needs the core's form control. */
  formAssociatedCallback(): void {
    this.#then((core) => core.formAssociated());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // `dir` was the upload folder before it became upload-dir: an old page must hear of it.
    const dir = this.getAttribute('dir');
    if (dir !== null && !/^(ltr|rtl|auto)$/i.test(dir.trim())) {
      checked(this, 'dir', dir, false, undefined, `the inherited text direction (for an upload folder, write upload-dir="${dir}")`);
    }
    // A required element must block its form's submission from the start: that is the core's form control.
    if (this.required) this.#intent();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.#core?.willUpdate(changed);
    if (changed.has('required') && this.required) this.#intent();
  }

  /**
   * Also waits for the core when its import is on its way, for its language's words (`lang`, also
   * one just changed) and the features it is loading (./element/features.ts), so that a test or an
   * app sees them rendered.
   */
  protected override async getUpdateComplete(): Promise<boolean> {
    let done: boolean;
    do {
      if (this.#loading) await this.#loading.catch(() => undefined);
      await this.#core?.settled;
      done = await super.getUpdateComplete();
    } while ((this.#loading !== undefined && !this.#core) || this.#core?.settling);
    return done;
  }

  /** The core, loaded once; a failed import is tried again by the next call. */
  #load(): Promise<ElementCore> {
    if (this.#core) return Promise.resolve(this.#core);
    this.#loading ??= import('./element/core.js').then(async ({ ElementCore }) => {
      const core = new ElementCore(this, {
        internals: this.#internals,
        language: () => this.#language.language,
        locale: () => this.#language.locale,
        formDisabled: () => this.#formDisabled,
        customValidity: () => this.#customValidity,
        button: () => this.#button,
      });
      // Its language's words first, so that what it says (notes, announcements, validation) is in that
      // language; and its form control when it needs one now (in a form, required), so a submit sees it.
      await core.settled;
      this.#core = core;
      this.requestUpdate();
      return core;
    }, (cause: unknown) => {
      this.#loading = undefined;
      // `network`, as the upload errors say a lost connection: the next call tries again.
      throw Object.assign(new Error(`<oss-upload>: the element's code could not be loaded: ${String(cause)}`, { cause }), { code: 'network', retryable: true });
    });
    return this.#loading;
  }

  /** The user starts an upload (a click that opens the picker, a drag over the element): the core, and the strategy's code beside it. */
  readonly #starting = (): void => {
    this.#intent();
    prefetchStrategy(this.strategy);
  };

  readonly #intent = (): void => {
    void this.#load().catch(() => undefined); // what needs the core reports a failure; a hover does not
  };

  /**
   * Runs `act` now when the core is there, once it has loaded when its import is on its way (in
   * call order, after files added before); without either the list is empty: nothing to act on.
   */
  #then(act: (core: ElementCore) => void): void {
    if (this.#core) act(this.#core);
    else void this.#loading?.then(act, (error: unknown) => console.error(error));
  }

  /** Files from the picker, a drop or a paste: listed now, or once the core is there; reported as failed when it cannot load. */
  #take(arrival: Arrival): void {
    prefetchStrategy(this.strategy);
    if (this.#core) return this.#core.take(arrival);
    void this.#load().then((core) => core.take(arrival), (error: Error & { code: 'network'; retryable: boolean }) => {
      console.error(error);
      const lost = 'entries' in arrival ? arrival.entries.map((e) => ({ name: e.name, size: 0, type: '' })) : 'folder' in arrival ? arrival.folder : arrival.files;
      for (const file of lost) {
        const info = { id: '', name: file.name, size: file.size, type: file.type, status: 'error', loaded: 0, total: file.size, percent: 0, attempt: 0 } as const;
        this.dispatchEvent(new CustomEvent('oss-upload-error', {
          bubbles: true, composed: true, detail: { file: info, code: error.code, message: error.message, retryable: error.retryable },
        }));
      }
    });
  }

  /** Own `disabled`, or a disabled `<fieldset>` around it. */
  get #disabled(): boolean {
    return this.disabled || this.#formDisabled;
  }

  get #input(): HTMLInputElement | null {
    return this.renderRoot?.querySelector('input[type=file]') ?? null;
  }

  get #button(): HTMLElement | null {
    return this.renderRoot?.querySelector<HTMLElement>('[part~="button"]') ?? null;
  }

  /** The button's and the hint's words in the element's language, with the `i18n` property's on top. */
  get #words(): ShellWords {
    return { ...SHELL_WORDS[this.#language.language], ...this.i18n };
  }

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

  protected override render() {
    const s = this.#words;
    return html`
      <div part="dropzone" ?data-dragover=${this.dragging} @click=${this.#handleZoneClick}
        @dragenter=${this.#handleDragEnter} @dragover=${this.#handleDragOver} @dragleave=${this.#handleDragLeave} @drop=${this.#handleDrop}>
        <button part="button" type="button" ?disabled=${this.#disabled}><slot>${this.directory ? s.chooseFolder : this.multiple ? s.chooseFiles : s.chooseFile}</slot></button>
        <span part="hint"><slot name="hint">${this.multiple || this.directory ? s.dropHint : s.dropHintOne}</slot></span>
      </div>
      ${this.#intake.picker()}
      ${this.#core?.render() ?? nothing}
      <div class="sr-only" role="status" aria-live="polite">${this.#core?.announcement ?? ''}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'oss-upload': OssUpload;
  }
}

customElements.get('oss-upload') ?? customElements.define('oss-upload', OssUpload);

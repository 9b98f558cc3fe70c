// The element's core: everything <oss-upload> needs once the user acts, loaded with `import()` by
// the shell (src/oss-upload.ts) when the user starts an upload (the click that opens the picker, a
// drag over the element, a paste), a public method that needs it, or at connect with `required`. It owns the UploadController (and
// through it the strategies, which load with their first upload), the file list, speeds, focus
// keeping, and the events re-fired on the element. What a page or a moment may not use loads on
// its first use (./features.ts): the form control (in a form, `required`, `setCustomValidity`, a
// restored form state; the core is handed out only once it is there if it is needed then), the
// notes about refused files (the first refusal), the batch summary (a batch's second file), the
// previews (the first row with a preview cell). Each brings its styles, adopted after the page-load
// sheet in one fixed order. It reads the element's properties whenever it configures the
// controller, so what a page set before it arrived applies.
import { html, nothing, type CSSResult, type PropertyValues } from 'lit';
import { UploadController, type UploadFile } from '../controller.js';
import {
  EVENT_NAMES, OssUploadCompleteEvent, OssUploadErrorEvent, OssUploadPauseEvent, OssUploadProgressEvent, OssUploadRejectEvent, OssUploadResumeEvent,
  OssUploadRetryEvent, OssUploadSelectEvent, OssUploadSuccessEvent, refire,
  type OssUploadEvent, type RejectedFile,
} from '../events.js';
import type { FormControl } from '../form.js';
import { gather } from '../input/gather.js';
import { DEFAULT_MAX_DEPTH, type Arrival } from '../input/index.js';
import { DEFAULT_KEY_TEMPLATE } from '../keys.js';
import { DEFAULT_STRINGS, errorText, loadStrings, loadedStrings, mergeStrings, type BuiltInLanguage, type OssUploadStrings } from '../locales/index.js';
import { DEFAULT_STRATEGY } from '../strategies/index.js';
import { IMAGE_TYPES, imageTransform } from '../transforms/index.js';
import { RateMeter } from '../ui/file-rate.js';
import { FocusKeeper } from '../ui/focus.js';
import { fill, formatsFor, type Formats } from '../ui/format.js';
import { PREVIEW_MODES, listStyles, renderFileList, type ListContext } from '../ui/list.js';
import type { RejectionNote } from '../ui/rejections.js';
import type { BatchSummary } from '../ui/summary.js';
import type { OssUpload } from '../oss-upload.js';
import { checked, wholeFrom } from './checks.js';
import { FORM, NOTES, PREVIEWS, SUMMARY } from './features.js';

/** What the shell hands its core: its own state that the core reads. */
export interface Shell {
  readonly internals: ElementInternals | undefined;
  /** The built-in table of the element's language (`lang`). */
  language(): BuiltInLanguage;
  /** The BCP 47 tag numbers are formatted for. */
  locale(): string;
  /** Disabled by a `<fieldset>` (formDisabledCallback before the core arrived). */
  formDisabled(): boolean;
  /** A `setCustomValidity` message given before the core arrived. */
  customValidity(): string;
  /** The choose button, once rendered (validation bubble, focus fallback). */
  button(): HTMLElement | null;
}

/** A positive integer, or undefined (an attribute that is absent, 0, negative or not a number). */
const positive = (n: number | undefined): number | undefined => (n !== undefined && Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined);
const notNegative = (n: number | undefined): boolean => n !== undefined && Number.isFinite(n) && n >= 0;
/** Most parts in flight the sts engine sends (multipart/plan.ts planParallel). */
const MOST_PARALLEL = 16;

/** A size attribute (`max-size`, `part-size`, …): absent, or bytes ≥ `min` (its converter gives undefined for what it cannot read). */
const validSize = (el: Element, attribute: string, value: number | undefined, min: number): boolean =>
  (value === undefined ? !el.hasAttribute(attribute) : Number.isFinite(value) && value >= min);

/** Fewest files in a batch for the summary (./summary.ts FEWEST_FILES): its code loads with a batch's second file. */
const SUMMARY_FILES = 2;

type NotesModule = NonNullable<typeof NOTES.module>;
type NoteOptions = Parameters<NotesModule['notesFor']>[1];

export class ElementCore {
  readonly #host: OssUpload;
  readonly #shell: Shell;
  readonly #controller: UploadController;
  readonly #rates = new RateMeter();
  /** The form control, once loaded (an element outside a form, not `required`, has none). */
  #form?: FormControl;
  #formLoading?: Promise<void> | undefined;
  /** Its code failed to load: tried again at the next explicit need (a form joined, `required`, …), not at every render. */
  #formFailed = false;
  /** `setCustomValidity`'s message, for a form control that is not there yet. */
  #customValidity: string;
  #summary?: BatchSummary;
  #summaryLoading = false;
  /** A batch that ended while the summary's code was on its way: its outcome is shown once it is here. */
  #endedMeanwhile?: OssUploadCompleteEvent['detail'] | undefined;
  #previewsLoading = false;
  /** Their code failed to load: tried again when rows are added, not at every render. */
  #previewsFailed = false;
  /** What the latest choice refused, shown until dismissed or the next choice. */
  #notes: readonly RejectionNote[] = [];
  /** A refusal waiting for the notes' code; a later choice replaces it. */
  #refusal?: { files: readonly RejectedFile[]; options: NoteOptions } | undefined;
  /** Loads under way that what is rendered waits for (`settled`: the shell's updateComplete). */
  readonly #pending = new Set<Promise<unknown>>();
  /**
   * The controller's files, taken once per render and shared by the summary's sample, the list and
   * the form control's sync after it (each took its own before); taken afresh after each change.
   */
  #snapshot?: readonly UploadFile[] | undefined;
  /** The feature sheets already in the shadow root. */
  readonly #adopted = new Set<CSSResult>();
  /** What the live region says (rendered by the shell). */
  announcement = '';
  /** The table of the element's language, and the language it is for (English until another has arrived). */
  #table: OssUploadStrings = DEFAULT_STRINGS;
  #language?: BuiltInLanguage;
  #words: Promise<unknown> = Promise.resolve();
  #wordsLoading = false;
  /** `max-depth`, checked: how deep a dropped or chosen folder is read. */
  #maxDepth = DEFAULT_MAX_DEPTH;

  constructor(host: OssUpload, shell: Shell) {
    this.#host = host;
    this.#shell = shell;
    this.#customValidity = shell.customValidity();
    this.#controller = new UploadController({}, () => {
      this.#snapshot = undefined;
      this.#form?.sync();
      host.requestUpdate();
    });
    for (const name of EVENT_NAMES) this.#controller.addEventListener(name, this.#handleControllerEvent);
    new FocusKeeper(host, () => shell.button());
    this.sync();
    // In a form, `required`, or given a custom message: the value and validity must be right from the start.
    if (shell.internals?.form || host.required || this.#customValidity) void this.#wantForm();
  }

  /** The form control, once loaded; without it ElementInternals answers as it stands. */
  get form(): FormControl | undefined {
    return this.#form;
  }

  get files(): readonly UploadFile[] {
    return this.#controller.files;
  }

  /** Files the list can still take under `max-files`; undefined without it. */
  capacity(): number | undefined {
    const max = this.#controller.options.maxFiles;
    return max === undefined ? undefined : Math.max(0, max - this.#controller.files.length);
  }

  /** Files the user chose, dropped or pasted: folders read, then listed (a step at a time). */
  take(arrival: Arrival): void {
    this.sync();
    const el = this.#host;
    gather(el, arrival, {
      maxDepth: this.#maxDepth,
      multiple: el.multiple || el.directory,
      capacity: this.capacity(),
      add: (files: File[], refused: RejectedFile[]) => {
        this.sync();
        this.#controller.addFiles(files, refused);
      },
    });
  }

  addFiles(files: File[]): string[] {
    this.sync();
    return this.#controller.addFiles(files);
  }

  upload(): void {
    this.sync();
    this.#controller.upload();
    this.#wantSummary();
  }

  abort(id?: string): void {
    this.#controller.abort(id);
  }

  pause(id?: string): boolean {
    return this.#controller.pause(id);
  }

  resume(id?: string): boolean {
    return this.#controller.resume(id);
  }

  retry(id?: string): void {
    this.sync();
    this.#controller.retry(id);
  }

  remove(id: string): void {
    if (!this.#form?.removeRestored(id)) this.#controller.remove(id);
  }

  clear(): void {
    this.#form?.clearRestored();
    this.#controller.clear();
    this.#notes = [];
    this.#refusal = undefined;
    this.#host.requestUpdate();
  }

  /** `setCustomValidity()`: the form control's, or said to the browser at once until it has loaded. */
  setCustomValidity(message: string): void {
    this.#customValidity = String(message);
    if (this.#form) return this.#form.setCustomValidity(this.#customValidity);
    this.#shell.internals?.setValidity(this.#customValidity ? { customError: true } : {}, this.#customValidity, this.#shell.button() ?? undefined);
    void this.#wantForm(true);
  }

  /** formAssociatedCallback: an element that joined a form needs its form control. */
  formAssociated(): void {
    if (this.#shell.internals?.form) void this.#wantForm(true);
  }

  /** formResetCallback: an empty list (the form control also drops the restored rows). */
  reset(): void {
    if (this.#form) this.#form.resetCallback();
    else this.clear();
  }

  /** formStateRestoreCallback: the stored keys come back, through the form control. */
  restore(state: string, mode: 'restore' | 'autocomplete'): void {
    void this.#wantForm(true).then(() => this.#form?.restoreCallback(state, mode));
  }

  /**
   * Settles when the words of the element's language and the features on their way are here (a
   * feature that fails to load settles too), so that the shell's updateComplete shows them rendered.
   */
  get settled(): Promise<unknown> {
    return Promise.all([this.#words, ...this.#pending]);
  }

  /** Whether words or a feature are on their way (until then the list shows the last language's words, English at first). */
  get settling(): boolean {
    return this.#wordsLoading || this.#pending.size > 0;
  }

  /** Keeps `load` among the pending loads until it settles. */
  #track(load: Promise<void>): Promise<void> {
    this.#pending.add(load);
    const done = () => void this.#pending.delete(load);
    load.then(done, done);
    return load;
  }

  /** The files as of this render, or of the controller's last change (one snapshot, however many read it). */
  get #files(): readonly UploadFile[] {
    return (this.#snapshot ??= this.#controller.files);
  }

  /**
   * Loads the form control, and makes it for this element once it is here. `again`: also after a
   * failed load (an explicit need; a render only tries while none has failed).
   */
  #wantForm(again = false): Promise<void> {
    const internals = this.#shell.internals;
    if (this.#form || !internals || (this.#formFailed && !again)) return Promise.resolve();
    const loaded = FORM.module;
    if (loaded) {
      this.#makeForm(loaded.FormControl);
      return Promise.resolve();
    }
    return (this.#formLoading ??= this.#track(FORM.load().then((module) => {
      this.#formLoading = undefined;
      this.#formFailed = !module;
      if (module && !this.#form) this.#makeForm(module.FormControl);
    })));
  }

  #makeForm(Control: typeof FormControl): void {
    const host = this.#host;
    const shell = this.#shell;
    const form = new Control(host, {
      internals: shell.internals,
      name: () => host.name,
      required: () => host.required,
      multiple: () => host.multiple,
      files: () => this.#files,
      strings: () => this.#strings,
      anchor: () => shell.button(),
      clear: () => this.clear(),
    });
    this.#form = form;
    if (shell.formDisabled()) form.disabledCallback(true);
    form.setCustomValidity(this.#customValidity); // also hands the list's value and validity to the browser
    host.requestUpdate();
  }

  /** Loads the batch summary when the batch holds two files (and makes it for this element). */
  #wantSummary(): void {
    if (this.#summary || this.#summaryLoading || this.#controller.batch.files < SUMMARY_FILES) return;
    const loaded = SUMMARY.module;
    if (loaded) return this.#makeSummary(loaded.BatchSummary);
    this.#summaryLoading = true;
    void this.#track(SUMMARY.load().then((module) => {
      this.#summaryLoading = false;
      if (module && !this.#summary) this.#makeSummary(module.BatchSummary);
      this.#endedMeanwhile = undefined;
    }));
  }

  #makeSummary(Summary: typeof BatchSummary): void {
    this.#summary = new Summary(this.#host, this.#controller, () => this.#files);
    if (this.#endedMeanwhile) this.#summary.ended(this.#endedMeanwhile);
    this.#host.requestUpdate();
  }

  /** Shows the notes about what a choice refused, and says them, once their code is here. */
  #refuse(files: readonly RejectedFile[]): void {
    const o = this.#controller.options;
    const options: NoteOptions = { multiple: o.multiple !== false, accept: o.accept, ...(o.maxFiles !== undefined ? { maxFiles: o.maxFiles } : {}) };
    const loaded = NOTES.module;
    if (loaded) return this.#showNotes(loaded, files, options);
    const refusal = (this.#refusal = { files, options });
    void this.#track(NOTES.load().then((module) => {
      if (!module || this.#refusal !== refusal) return; // a later choice (or clear()) replaced it
      this.#refusal = undefined;
      this.#showNotes(module, files, options);
    }));
  }

  #showNotes(module: NotesModule, files: readonly RejectedFile[], options: NoteOptions): void {
    this.#setNotes(module.notesFor(files, options));
    const s = this.#strings;
    const f = formatsFor(this.#shell.locale());
    this.#announce(this.#notes.map((n) => module.noteText(n, s, f)).join(' '));
  }

  /** Loads the previews' code (the first row with a preview cell); the cells stay empty until it is here. */
  #wantPreviews(): void {
    if (this.#previewsLoading || this.#previewsFailed) return;
    this.#previewsLoading = true;
    void this.#track(PREVIEWS.load().then((module) => {
      this.#previewsLoading = false;
      this.#previewsFailed = !module;
      if (module) this.#host.requestUpdate();
    }));
  }

  /**
   * The sheets of what this element can show, adopted after the page-load sheet in one order
   * (the list's first, whose rules the others build on), so the cascade is that of one sheet.
   */
  #adoptStyles(): void {
    const sheets = [listStyles, NOTES.module?.rejectionStyles, SUMMARY.module?.summaryStyles, PREVIEWS.module?.previewStyles]
      .filter((sheet): sheet is CSSResult => sheet !== undefined);
    const fresh = sheets.filter((sheet) => !this.#adopted.has(sheet));
    const root = this.#host.renderRoot;
    if (!fresh.length || !(root instanceof ShadowRoot)) return;
    for (const sheet of fresh) this.#adopted.add(sheet);
    const own = sheets.map((sheet) => sheet.styleSheet);
    if (own.every((sheet) => sheet !== undefined)) {
      root.adoptedStyleSheets = [...root.adoptedStyleSheets.filter((sheet) => !own.includes(sheet)), ...own];
      return;
    }
    // No constructable sheets (Lit's own fallback): <style> elements, in the order they came.
    for (const sheet of fresh) root.append(Object.assign(document.createElement('style'), { textContent: sheet.cssText }));
  }

  /** The words of the element's language, with the `i18n` property's on top. */
  get #strings(): OssUploadStrings {
    return mergeStrings(this.#table, this.#host.i18n);
  }

  /** Loads the table of the element's language when that changed (tables other than English load lazily). */
  #followLanguage(): void {
    const language = this.#shell.language();
    if (language === this.#language) return;
    this.#language = language;
    const table = loadedStrings(language);
    this.#wordsLoading = !table;
    if (table) {
      this.#table = table;
      this.#words = Promise.resolve();
      return;
    }
    this.#words = loadStrings(language).then((strings) => {
      if (this.#language !== language) return; // another language was asked for meanwhile
      this.#table = strings;
      this.#wordsLoading = false;
      this.#host.requestUpdate();
    });
  }

  /**
   * Before each render of the element: its properties checked again only when one changed (not for
   * the core's own renders: progress, a start, an end), its language followed always (`lang` may
   * change on an ancestor); the form control loaded once the element is in a form or `required`.
   */
  willUpdate(changed: PropertyValues): void {
    // Afresh for this render: the controller may have changed what a file shows without telling (a new attempt is not yet under way).
    this.#snapshot = undefined;
    if (changed.size) this.sync();
    else this.#followLanguage();
    const el = this.#host;
    if (!this.#form && (el.required || this.#shell.internals?.form)) void this.#wantForm(changed.has('required'));
  }

  /** The element's properties, checked, as the controller's options (for the files that start afterwards); its language's words. */
  sync(): void {
    this.#followLanguage();
    const el = this.#host;
    this.#maxDepth = checked(el, 'max-depth', el.maxDepth, wholeFrom(1)(el.maxDepth), DEFAULT_MAX_DEPTH, `${DEFAULT_MAX_DEPTH} (the default)`);
    const parallel = checked(el, 'parallel', el.parallel,
      el.parallel === undefined ? !el.hasAttribute('parallel') : wholeFrom(1)(el.parallel), undefined, 'the engine\'s default');
    this.#controller.configure({
      strategy: el.strategy || DEFAULT_STRATEGY,
      endpoint: el.endpoint,
      requestHeaders: el.requestHeaders,
      withCredentials: el.withCredentials,
      fetchCredentials: el.fetchCredentials,
      accept: el.accept,
      maxSize: checked(el, 'max-size', el.maxSize, validSize(el, 'max-size', el.maxSize, 0), undefined, 'no size limit'),
      minSize: checked(el, 'min-size', el.minSize, validSize(el, 'min-size', el.minSize, 0), undefined, 'no minimum size'),
      maxFiles: checked(el, 'max-files', el.maxFiles,
        el.maxFiles === undefined ? !el.hasAttribute('max-files') : wholeFrom(0)(el.maxFiles), undefined, 'no limit on the number of files'),
      multiple: el.multiple || el.directory,
      dir: el.uploadDir,
      concurrency: checked(el, 'concurrency', el.concurrency ?? undefined, el.concurrency == null || wholeFrom(1)(el.concurrency), undefined,
        'the strategy\'s default'),
      retries: checked(el, 'retries', el.retries, wholeFrom(0)(el.retries), 3, '3 (the default)'),
      retryDelay: checked(el, 'retry-delay', el.retryDelay, notNegative(el.retryDelay), 1000, '1000 ms (the default)'),
      manual: el.manual,
      stallTimeout: checked(el, 'stall-timeout', el.stallTimeout, notNegative(el.stallTimeout), 60_000, '60000 ms (the default)'),
      keyTemplate: el.keyTemplate || DEFAULT_KEY_TEMPLATE,
      transform: imageTransform({
        maxDimension: checked(el, 'image-max-dimension', el.imageMaxDimension, el.imageMaxDimension === undefined || wholeFrom(1)(el.imageMaxDimension), undefined, 'no downscaling'),
        quality: checked(el, 'image-quality', el.imageQuality, el.imageQuality === undefined || (el.imageQuality >= 0 && el.imageQuality <= 1), undefined, '0.85 (the default)'),
        type: checked(el, 'image-type', el.imageType || undefined, !el.imageType || IMAGE_TYPES.includes(el.imageType), undefined, 'the image\'s own type'),
      }),
      // Read by the strategies that know them (sts); others ignore them.
      strategyOptions: {
        // Only what the page set: a default here would override a registered strategy's own settings.
        engine: checked<string>(el, 'engine', el.engine, ['native', 'ali-oss', ''].includes(el.engine), 'native', 'native (the default)') === 'ali-oss'
          ? 'ali-oss' : undefined,
        partSize: positive(checked(el, 'part-size', el.partSize, validSize(el, 'part-size', el.partSize, 1), undefined,
          'the part size the engine chooses')),
        parallel: parallel === undefined ? undefined : checked(el, 'parallel', parallel, parallel <= MOST_PARALLEL, MOST_PARALLEL, `${MOST_PARALLEL} (the most)`),
        bucket: el.bucket || undefined,
        region: el.region || undefined,
        ossEndpoint: el.ossEndpoint || undefined,
        insecureAllowLongTermKeys: el.insecureAllowLongTermKeys || undefined,
      },
    });
  }

  /** Says `text` through the live region, also when it is the same as last time (the same file refused twice). */
  #announce(text: string): void {
    const host = this.#host;
    if (text !== this.announcement) {
      this.announcement = text;
      host.requestUpdate();
      return;
    }
    this.announcement = ''; // an unchanged region is not read again: empty it for one render first
    host.requestUpdate();
    void host.updateComplete.then(() => {
      this.announcement = text;
      host.requestUpdate();
    });
  }

  readonly #handleControllerEvent = (event: Event): void => {
    this.#snapshot = undefined; // the controller changed the list before firing
    // Listeners must see the form's new value; progress changes neither value nor validity.
    if (event.type !== OssUploadProgressEvent.eventName) this.#form?.sync();
    const own = refire(event as OssUploadEvent);
    this.#host.dispatchEvent(own);
    if (own.defaultPrevented) event.preventDefault();
    if (own instanceof OssUploadProgressEvent) {
      this.#rates.note(own.detail.file.id, own.detail.loaded);
      return;
    }
    // A start, a pause or the end: measured afresh (not for a request the strategy sends again within its attempt).
    if ('file' in own.detail && !(own instanceof OssUploadRetryEvent && own.detail.operation)) this.#rates.forget(own.detail.file.id);
    // What a screen reader hears: outcomes, not every progress tick.
    const s = this.#strings;
    const f = formatsFor(this.#shell.locale());
    const said = (name: string, text: string) => this.#announce(`${name}: ${text}`);
    if (own instanceof OssUploadSuccessEvent) said(own.detail.file.name, s.status.success);
    else if (own instanceof OssUploadErrorEvent) said(own.detail.file.name, errorText(s, own.detail));
    else if (own instanceof OssUploadPauseEvent || own instanceof OssUploadResumeEvent) {
      said(own.detail.file.name, fill(s.status[own.detail.file.status], { percent: f.percent(own.detail.file.percent) }));
    } else if (own instanceof OssUploadSelectEvent) {
      this.#refusal = undefined; // a new choice: the notes were about the last one
      this.#setNotes([]);
      this.#previewsFailed = false; // new rows: their previews are worth another try
      this.#wantSummary();
    } else if (own instanceof OssUploadRejectEvent) this.#refuse(own.detail.files);
    else if (own instanceof OssUploadRetryEvent && own.detail.manual) this.#wantSummary();
    else if (own instanceof OssUploadCompleteEvent && this.#summaryLoading) this.#endedMeanwhile = own.detail;
  };

  #setNotes(notes: readonly RejectionNote[]): void {
    if (!notes.length && !this.#notes.length) return;
    this.#notes = notes;
    this.#host.requestUpdate();
  }

  readonly #dismiss = (key: string): void => {
    this.#setNotes(this.#notes.filter((n) => n.key !== key));
  };

  /** What the file list gets: its words, formats and each row's actions (the place to add what a row needs). */
  #listContext(strings: OssUploadStrings, formats: Formats): ListContext {
    const host = this.#host;
    return {
      strings, formats, rate: (id) => this.#rates.rate(id),
      previews: checked(host, 'previews', host.previews, PREVIEW_MODES.includes(host.previews), 'thumbnails', 'thumbnails (the default)'),
      preview: PREVIEWS.module?.preview,
      pause: (id) => host.pause(id), resume: (id) => host.resume(id), abort: (id) => host.abort(id), retry: (id) => host.retry(id), remove: (id) => host.remove(id),
    };
  }

  /** The notes about refused files, the batch summary and the file list, under the drop zone. */
  render() {
    this.#adoptStyles();
    const s = this.#strings;
    const f = formatsFor(this.#shell.locale());
    const restored = this.#form?.restored ?? [];
    const files = restored.length ? [...restored, ...this.#files] : this.#files;
    const list = this.#listContext(s, f);
    if (files.length && list.previews !== 'none' && !list.preview) this.#wantPreviews();
    return html`${NOTES.module?.renderNotes(this.#notes, s, f, this.#dismiss) ?? nothing}${this.#summary?.render(s, f) ?? nothing}${renderFileList(files, list)}`;
  }
}

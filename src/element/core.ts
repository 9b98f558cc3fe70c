// The element's core: everything <oss-upload> needs once the user acts, loaded with `import()` by
// the shell (src/oss-upload.ts) on the first sign of intent (pointer, focus, drag, touch), a
// public method that needs it, or at connect with `required`. It owns the UploadController (and
// through it the strategies, which load with their first upload), the form control, the file list,
// the notes about refused files, speeds, focus keeping, and the events re-fired on the element.
// It reads the element's properties whenever it configures the controller, so what a page set
// before it arrived applies.
import { html } from 'lit';
import { UploadController, type UploadFile } from '../controller.js';
import {
  EVENT_NAMES, OssUploadErrorEvent, OssUploadPauseEvent, OssUploadProgressEvent, OssUploadRejectEvent, OssUploadResumeEvent, OssUploadRetryEvent,
  OssUploadSelectEvent, OssUploadSuccessEvent, refire,
  type OssUploadEvent, type RejectedFile,
} from '../events.js';
import { FormControl } from '../form.js';
import { gather } from '../input/gather.js';
import { DEFAULT_MAX_DEPTH, type Arrival } from '../input/index.js';
import { DEFAULT_KEY_TEMPLATE } from '../keys.js';
import { DEFAULT_STRINGS, errorText, loadStrings, loadedStrings, mergeStrings, type BuiltInLanguage, type OssUploadStrings } from '../locales/index.js';
import { DEFAULT_STRATEGY } from '../strategies/index.js';
import { IMAGE_TYPES, imageTransform } from '../transforms/index.js';
import { FocusKeeper } from '../ui/focus.js';
import { fill, formatsFor, type Formats } from '../ui/format.js';
import { renderFileList, type ListContext } from '../ui/list.js';
import { PREVIEW_MODES } from '../ui/preview.js';
import { RateMeter } from '../ui/rate.js';
import { noteText, notesFor, renderNotes, type RejectionNote } from '../ui/rejections.js';
import { BatchSummary } from '../ui/summary.js';
import type { OssUpload } from '../oss-upload.js';
import { checked, wholeFrom } from './checks.js';

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

export class ElementCore {
  readonly #host: OssUpload;
  readonly #shell: Shell;
  readonly #controller: UploadController;
  readonly #form: FormControl;
  readonly #rates = new RateMeter();
  readonly #summary: BatchSummary;
  /** What the latest choice refused, shown until dismissed or the next choice. */
  #notes: readonly RejectionNote[] = [];
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
    this.#controller = new UploadController({}, () => {
      this.#form.sync();
      host.requestUpdate();
    });
    this.#form = new FormControl(host, {
      internals: shell.internals,
      name: () => host.name,
      required: () => host.required,
      multiple: () => host.multiple,
      files: () => this.#controller.files,
      strings: () => this.#strings,
      anchor: () => shell.button(),
      clear: () => this.clear(),
    });
    if (shell.formDisabled()) this.#form.disabledCallback(true);
    this.#summary = new BatchSummary(host, this.#controller);
    if (shell.customValidity()) this.#form.setCustomValidity(shell.customValidity());
    for (const name of EVENT_NAMES) this.#controller.addEventListener(name, this.#handleControllerEvent);
    new FocusKeeper(host, () => shell.button());
    this.sync();
  }

  get form(): FormControl {
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
    if (!this.#form.removeRestored(id)) this.#controller.remove(id);
  }

  clear(): void {
    this.#form.clearRestored();
    this.#controller.clear();
    this.#notes = [];
    this.#host.requestUpdate();
  }

  /** Settles when the words of the element's language are here. */
  get words(): Promise<unknown> {
    return this.#words;
  }

  /** Whether a table is on its way (until then the list shows the last language's words, English at first). */
  get wordsLoading(): boolean {
    return this.#wordsLoading;
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
    this.#form.sync(); // the controller changed the list before firing: listeners must see the form's new value
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
    } else if (own instanceof OssUploadSelectEvent) this.#setNotes([]); // a new choice: the notes were about the last one
    else if (own instanceof OssUploadRejectEvent) {
      const o = this.#controller.options;
      this.#setNotes(notesFor(own.detail.files, { multiple: o.multiple !== false, accept: o.accept, ...(o.maxFiles !== undefined ? { maxFiles: o.maxFiles } : {}) }));
      this.#announce(this.#notes.map((n) => noteText(n, s, f)).join(' '));
    }
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
      pause: (id) => host.pause(id), resume: (id) => host.resume(id), abort: (id) => host.abort(id), retry: (id) => host.retry(id), remove: (id) => host.remove(id),
    };
  }

  /** The notes about refused files and the file list, under the drop zone. */
  render() {
    const s = this.#strings;
    const f = formatsFor(this.#shell.locale());
    const files = [...this.#form.restored, ...this.#controller.files];
    return html`${renderNotes(this.#notes, s, f, this.#dismiss)}${this.#summary.render(s, f)}${renderFileList(files, this.#listContext(s, f))}`;
  }
}

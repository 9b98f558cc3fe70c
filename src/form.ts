// <oss-upload> as a form control, through the element's one ElementInternals: the value (the keys
// of the stored files), validity (`required`, uploads still running, `setCustomValidity`), reset,
// the disabled state a `<fieldset>` hands down, and the keys given back after a back-navigation.
// A reactive controller in the manner of Material Web's labs/behaviors (form-associated,
// constraint-validation), so the element body keeps only the callbacks the browser calls on it.
// Loaded by the element's core only for an element in a form, `required`, given a custom validity
// message, or restoring form state (src/element/features.ts); until then ElementInternals answers.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { UploadFileInfo } from './events.js';
import { DEFAULT_STRINGS, type OssUploadStrings } from './locales/index.js';
import { UNFINISHED } from './ui/status.js';

export interface FormControlOptions {
  /** The element's ElementInternals; absent where the browser cannot attach one (then no form features). */
  internals: ElementInternals | undefined;
  /** The `name` under which each key is submitted (no name: nothing is submitted). */
  name: () => string;
  required: () => boolean;
  /** `multiple` picks the plural valueMissing message. */
  multiple: () => boolean;
  /** The element's files, oldest first. */
  files: () => readonly UploadFileInfo[];
  strings: () => OssUploadStrings;
  /** Where the browser points its validation bubble and puts the focus (the button), once rendered. */
  anchor: () => HTMLElement | null;
  /** Empties the element's list (the form was reset). */
  clear: () => void;
}

/** What the validity getters answer without ElementInternals: valid, like a control that is not validated. */
const ALWAYS_VALID: ValidityState = {
  badInput: false, customError: false, patternMismatch: false, rangeOverflow: false, rangeUnderflow: false,
  stepMismatch: false, tooLong: false, tooShort: false, typeMismatch: false, valid: true, valueMissing: false,
};

/** One stored file as kept in the form state the browser saves with the page's history entry. */
interface SavedFile {
  key: string;
  name: string;
  size: number;
  type: string;
}

function parseSaved(state: string): SavedFile[] {
  let data: unknown;
  try {
    data = JSON.parse(state);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const saved: SavedFile[] = [];
  for (const item of data as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { key, name, size, type } = item as Record<string, unknown>;
    if (typeof key !== 'string' || !key) continue;
    saved.push({
      key,
      name: typeof name === 'string' && name ? name : key.slice(key.lastIndexOf('/') + 1),
      size: typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : 0,
      type: typeof type === 'string' ? type : '',
    });
  }
  return saved;
}

export class FormControl implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #options: FormControlOptions;
  readonly #internals: ElementInternals | undefined;
  /** Stored files given back by the browser after a back-navigation: listed, submitted, without their File. */
  #restored: UploadFileInfo[] = [];
  #restoredIds = 0;
  #customMessage = '';
  /** What the browser said through formDisabledCallback: a disabled `<fieldset>` or the element's own `disabled` attribute. */
  #disabled = false;
  /** What was last handed to the internals, so that progress ticks do not rebuild the same value. */
  #pushed = '';

  constructor(host: ReactiveControllerHost, options: FormControlOptions) {
    this.#host = host;
    this.#options = options;
    this.#internals = options.internals;
    host.addController(this);
  }

  /** Name, `required`, `i18n` or the anchor may have changed (the anchor exists only after the first render). */
  hostUpdated(): void {
    this.sync();
  }

  /** Disabled by a `<fieldset disabled>` or by the element's own `disabled` attribute. */
  get disabled(): boolean {
    return this.#disabled;
  }

  /** The restored files (status `success`, with `key`), shown before the element's own. */
  get restored(): readonly UploadFileInfo[] {
    return this.#restored;
  }

  get form(): HTMLFormElement | null {
    return this.#internals?.form ?? null;
  }

  get labels(): NodeList {
    return this.#internals?.labels ?? document.createDocumentFragment().childNodes;
  }

  get validity(): ValidityState {
    this.sync();
    return this.#internals?.validity ?? ALWAYS_VALID;
  }

  get validationMessage(): string {
    this.sync();
    return this.#internals?.validationMessage ?? '';
  }

  get willValidate(): boolean {
    return this.#internals?.willValidate ?? false;
  }

  checkValidity(): boolean {
    this.sync();
    return this.#internals?.checkValidity() ?? true;
  }

  reportValidity(): boolean {
    this.sync();
    return this.#internals?.reportValidity() ?? true;
  }

  setCustomValidity(message: string): void {
    this.#customMessage = String(message);
    this.sync();
  }

  /** Takes a restored file off the list; false when the id is not one of them. */
  removeRestored(id: string): boolean {
    const before = this.#restored.length;
    this.#restored = this.#restored.filter((f) => f.id !== id);
    if (this.#restored.length === before) return false;
    this.#changed();
    return true;
  }

  clearRestored(): void {
    if (!this.#restored.length) return;
    this.#restored = [];
    this.#changed();
  }

  /** formDisabledCallback. */
  disabledCallback(disabled: boolean): void {
    this.#disabled = disabled;
    this.#host.requestUpdate();
  }

  /** formResetCallback: an empty list, as a reset file input has no file. */
  resetCallback(): void {
    this.#restored = [];
    this.#options.clear();
    this.#changed();
  }

  /**
   * formStateRestoreCallback. `restore` (back/forward, or a reload that keeps form state) gives
   * back the stored files' keys; `autocomplete` is ignored: an object key is no value to autofill.
   */
  restoreCallback(state: string | File | FormData | null, mode: 'restore' | 'autocomplete'): void {
    if (mode !== 'restore' || typeof state !== 'string') return;
    const known = new Set([...this.#restored, ...this.#options.files()].map((f) => f.key));
    for (const saved of parseSaved(state)) {
      if (known.has(saved.key)) continue;
      known.add(saved.key);
      this.#restored.push({
        id: `restored-${++this.#restoredIds}`, name: saved.name, size: saved.size, type: saved.type, status: 'success',
        loaded: saved.size, total: saved.size, percent: 100, attempt: 0, key: saved.key,
      });
    }
    this.#changed();
  }

  /**
   * Hands the current value, state and validity to the browser. Called synchronously whenever the
   * list changes (before the element re-fires an event), so `new FormData(form)` and
   * `form.checkValidity()` in a listener already see the change.
   */
  sync(): void {
    const internals = this.#internals;
    if (!internals) return;
    const o = this.#options;
    const files = o.files();
    const stored = [...this.#restored, ...files.filter((f) => f.status === 'success' && f.key)];
    const name = o.name();
    // Not finished yet: a submit now would lose the file (a `pending` one waits for `upload()`, which a submit handler may call).
    const busy = files.some((f) => UNFINISHED.has(f.status));
    const valueMissing = o.required() && stored.length === 0;
    const s = o.strings();
    const message = this.#customMessage
      || (busy ? s.uploading || DEFAULT_STRINGS.uploading : '')
      || (valueMissing ? (o.multiple() ? s.valueMissing || DEFAULT_STRINGS.valueMissing : s.valueMissingOne || DEFAULT_STRINGS.valueMissingOne) : '');
    const anchor = o.anchor();
    const saved: SavedFile[] = stored.map((f) => ({ key: f.key!, name: f.name, size: f.size, type: f.type }));
    const state = JSON.stringify(saved);
    const signature = JSON.stringify([name, state, busy, valueMissing, this.#customMessage, message, anchor !== null]);
    if (signature === this.#pushed) return;
    this.#pushed = signature;
    let value: FormData | null = null;
    if (name && saved.length) {
      value = new FormData();
      for (const f of saved) value.append(name, f.key);
    }
    internals.setFormValue(value, state);
    const flags: ValidityStateFlags = {};
    if (valueMissing) flags.valueMissing = true;
    // Running uploads have no flag of their own: customError, as the constraint API offers for what it does not know.
    if (busy || this.#customMessage) flags.customError = true;
    internals.setValidity(flags, message, anchor ?? undefined);
  }

  #changed(): void {
    this.sync();
    this.#host.requestUpdate();
  }
}

// Where files come into <oss-upload>: the file picker (a folder with `directory`, the camera with
// `capture`), drops (folders read recursively) and pastes (into the element, or anywhere on the
// page with `paste`). A reactive controller of the element's shell: the element renders `picker()`,
// hands its drops to `drop()`, and gets what arrived through `take`, taken during the event (the
// browser empties a drop's list after it). Reading folders and listing large choices in steps is
// the core's (./gather.ts), so a page downloads none of it until the user acts.
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';

export type { FolderLimits, Gathered } from './folders.js';

/** `max-depth`'s default. */
export const DEFAULT_MAX_DEPTH = 16;

/** What came in: loose files, a drop holding folders (to read), or the files of a chosen folder (held to the folder limits; none: it was empty). */
export type Arrival = { files: File[] } | { entries: FileSystemEntry[] } | { folder: File[] };

/** The file as one of a folder's: a dropped folder's files carry their path as a chosen folder's do. */
export function withPath(file: File, path: string): File {
  return Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
}

/**
 * The dropped items' entries, when a folder is among them (else undefined: the plain file list
 * has it all). Read them during the drop event: the browser empties the list after it.
 */
export function droppedEntries(data: DataTransfer | null): FileSystemEntry[] | undefined {
  const entries = [...(data?.items ?? [])]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null)
    .filter((entry): entry is FileSystemEntry => entry !== null);
  return entries.some((entry) => entry.isDirectory) ? entries : undefined;
}

export interface IntakeSettings {
  disabled: boolean;
  multiple: boolean;
  accept?: string;
  /** The picker chooses a folder (`webkitdirectory`). */
  directory: boolean;
  /** Forwarded to the file input (`user`, `environment`, or `''`). */
  capture?: string;
  /** Pastes anywhere on the page are taken, not only those into the element. */
  paste: boolean;
}

export interface IntakeOptions {
  settings(): IntakeSettings;
  /** What arrived, to read and list. */
  take(arrival: Arrival): void;
}

/** Input types into which one types text: a paste there is the field's own. */
const TEXT_INPUTS = new Set(['text', 'search', 'url', 'tel', 'email', 'password', 'number']);

/** Whether a paste goes to a field that takes it itself (text fields, rich-text editors). */
function aimedAtField(event: Event): boolean {
  const target = event.composedPath()[0];
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type));
}

export class FileIntake implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: IntakeOptions;

  constructor(host: ReactiveControllerHost & HTMLElement, options: IntakeOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  hostConnected(): void {
    this.#host.addEventListener('paste', this.#handleOwnPaste);
    document.addEventListener('paste', this.#handlePagePaste);
  }

  hostDisconnected(): void {
    this.#host.removeEventListener('paste', this.#handleOwnPaste);
    document.removeEventListener('paste', this.#handlePagePaste);
  }

  /** The hidden file input that the button opens. */
  picker() {
    const s = this.#options.settings();
    return html`<input type="file" hidden tabindex="-1" aria-hidden="true" ?multiple=${s.multiple} ?webkitdirectory=${s.directory}
      accept=${s.accept ?? ''} capture=${s.capture ?? nothing} @change=${this.#handleChange} />`;
  }

  /** Takes a drop's files, or its folders' entries (call during the drop event). */
  drop(data: DataTransfer | null): void {
    const entries = droppedEntries(data);
    if (entries) this.#options.take({ entries });
    else if (data?.files.length) this.#options.take({ files: [...data.files] });
  }

  readonly #handleChange = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // choosing the same file again must fire change again
    // No file from the folder picker: the folder chosen holds none (a cancel fires `cancel`, not `change`).
    if (!files.length) {
      if (this.#options.settings().directory) this.#options.take({ folder: [] });
      return;
    }
    this.#options.take(files.some((f) => f.webkitRelativePath) ? { folder: files } : { files });
  };

  #paste(event: ClipboardEvent): void {
    const files = event.clipboardData?.files;
    if (this.#options.settings().disabled || !files?.length) return;
    event.preventDefault();
    this.#options.take({ files: [...files] });
  }

  readonly #handleOwnPaste = (event: ClipboardEvent): void => {
    this.#paste(event);
  };

  /** With `paste`: a paste anywhere, unless a field takes it or another element took it already. */
  readonly #handlePagePaste = (event: ClipboardEvent): void => {
    if (!this.#options.settings().paste || event.defaultPrevented || aimedAtField(event)) return;
    this.#paste(event);
  };
}

// Where files come into <oss-upload>: the file picker (a folder with `directory`, the camera with
// `capture`), drops (folders read recursively) and pastes (into the element, or anywhere on the
// page with `paste`). A reactive controller: the element renders `picker()`, hands its drops to
// `drop()`, and gets the files through `add`. Folder reading (./folders.ts) loads on the first folder.
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { RejectedFile } from '../events.js';
import type { FolderLimits } from './folders.js';

export type { FolderLimits, Gathered } from './folders.js';

/** `max-depth`'s default. */
export const DEFAULT_MAX_DEPTH = 16;
/** Files read from one drop or choice when `max-files` does not say fewer. */
export const FOLDER_FILE_LIMIT = 10_000;

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
  maxDepth: number;
}

export interface IntakeOptions {
  settings(): IntakeSettings;
  /** Files the list can still take under `max-files`; undefined without it. */
  capacity(): number | undefined;
  /** Files to validate and list, after those refused before (folder limits). */
  add(files: File[], refused: RejectedFile[]): void;
}

/**
 * Files listed per task: a large choice (a folder of 1,000 files) is listed in steps, each its own
 * `oss-upload-select`, so that the page keeps responding while the rows appear.
 */
export const LIST_STEP = 100;

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

  /** Takes a drop's files; a dropped folder is read first (call during the drop event). */
  drop(data: DataTransfer | null): void {
    const entries = droppedEntries(data);
    if (entries) {
      const limits = this.#limits();
      void import('./folders.js')
        .then(({ readEntries }) => readEntries(entries, limits, withPath))
        .then(({ files, rejected }) => this.#add(files, rejected))
        .catch((error: unknown) => console.warn('<oss-upload>: the dropped folder could not be read.', error));
      return;
    }
    if (data?.files.length) void this.#add([...data.files], []);
  }

  /** Adds the files `LIST_STEP` at a time, one task each (the refusals come with the first). */
  async #add(files: File[], refused: RejectedFile[]): Promise<void> {
    this.#options.add(files.slice(0, LIST_STEP), refused);
    for (let at = LIST_STEP; at < files.length; at += LIST_STEP) {
      await this.#host.updateComplete;
      await new Promise((resolve) => setTimeout(resolve)); // a new task: the page paints and handles input in between
      this.#options.add(files.slice(at, at + LIST_STEP), []);
    }
  }

  /** How deep and how many files a drop or choice may bring. */
  #limits(): FolderLimits {
    const s = this.#options.settings();
    const room = s.multiple ? this.#options.capacity() ?? FOLDER_FILE_LIMIT : 1;
    return { maxDepth: s.maxDepth, maxFiles: Math.min(room, FOLDER_FILE_LIMIT) };
  }

  readonly #handleChange = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // choosing the same file again must fire change again
    if (!files.length) return;
    // A chosen folder's files are held to a dropped folder's limits; loose files only to the list's.
    if (files.some((f) => f.webkitRelativePath)) {
      const limits = this.#limits();
      void import('./folders.js').then(({ limitFolderFiles }) => {
        const { files: kept, rejected } = limitFolderFiles(files, limits);
        return this.#add(kept, rejected);
      }).catch((error: unknown) => console.warn('<oss-upload>: the chosen folder could not be read.', error));
    } else {
      void this.#add(files, []);
    }
  };

  #paste(event: ClipboardEvent): void {
    const files = event.clipboardData?.files;
    if (this.#options.settings().disabled || !files?.length) return;
    event.preventDefault();
    void this.#add([...files], []);
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

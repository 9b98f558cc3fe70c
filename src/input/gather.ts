// What the element's core does with files that came in (src/input/index.ts FileIntake hands them
// over): a dropped folder is read (./folders.ts, loaded on the first folder), a chosen folder's
// files are held to the same limits, and large choices are listed a step at a time.
import type { ReactiveControllerHost } from 'lit';
import type { RejectedFile } from '../events.js';
import { withPath, type Arrival } from './index.js';
import type { FolderLimits } from './folders.js';

/** Files read from one drop or choice when `max-files` does not say fewer. */
export const FOLDER_FILE_LIMIT = 10_000;

/**
 * Files listed per task: a large choice (a folder of 1,000 files) is listed in steps, each its own
 * `oss-upload-select`, so that the page keeps responding while the rows appear.
 */
export const LIST_STEP = 100;

export interface GatherOptions {
  maxDepth: number;
  multiple: boolean;
  /** Files the list can still take under `max-files`; undefined without it. */
  capacity: number | undefined;
  /** Files to validate and list, after those refused before (folder limits). */
  add(files: File[], refused: RejectedFile[]): void;
}

/** Reads what arrived (folders too) and lists it, `LIST_STEP` files a task. */
export function gather(host: ReactiveControllerHost, arrival: Arrival, o: GatherOptions): void {
  const limits: FolderLimits = { maxDepth: o.maxDepth, maxFiles: Math.min(o.multiple ? o.capacity ?? FOLDER_FILE_LIMIT : 1, FOLDER_FILE_LIMIT) };
  const list = (files: File[], refused: RejectedFile[]) => listInSteps(host, files, refused, o.add);
  if ('entries' in arrival) {
    void import('./folders.js')
      .then(({ readEntries }) => readEntries(arrival.entries, limits, withPath))
      .then(({ files, rejected }) => list(files, rejected))
      .catch((error: unknown) => console.warn('<oss-upload>: the dropped folder could not be read.', error));
  } else if ('folder' in arrival) {
    // A chosen folder's files are held to a dropped folder's limits; loose files only to the list's.
    void import('./folders.js').then(({ limitFolderFiles }) => {
      const { files, rejected } = limitFolderFiles(arrival.folder, limits);
      return list(files, rejected);
    }).catch((error: unknown) => console.warn('<oss-upload>: the chosen folder could not be read.', error));
  } else {
    void list(arrival.files, []);
  }
}

/** Adds the files `LIST_STEP` at a time, one task each (the refusals come with the first). */
async function listInSteps(host: ReactiveControllerHost, files: File[], refused: RejectedFile[], add: GatherOptions['add']): Promise<void> {
  add(files.slice(0, LIST_STEP), refused);
  for (let at = LIST_STEP; at < files.length; at += LIST_STEP) {
    await host.updateComplete;
    await new Promise((resolve) => setTimeout(resolve)); // a new task: the page paints and handles input in between
    add(files.slice(at, at + LIST_STEP), []);
  }
}

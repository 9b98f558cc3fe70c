// Files out of folders: a dropped folder is read recursively (FileSystemDirectoryEntry), a chosen
// one (`<input webkitdirectory>`) comes as a flat list. Both are held to the same limits of depth
// and count, and each file keeps its path within the folder as `webkitRelativePath`. Loaded on
// the first folder (./index.ts); it imports nothing at run time, or what it shared with the
// first load would be split into a chunk of its own.
import type { RejectedFile } from '../events.js';

export interface FolderLimits {
  /** Most folder levels read, the dropped or chosen folder being level 1. */
  maxDepth: number;
  /** Most files taken from one drop or choice (loose files included). */
  maxFiles: number;
}

export interface Gathered {
  files: File[];
  rejected: RejectedFile[];
}

/** A folder (or, past the count, the first file left out) that was not read or gave nothing: `name` is its path. */
const folderRejection = (path: string, code: 'folder-too-deep' | 'too-many-files' | 'folder-empty', message: string, limit?: number): RejectedFile =>
  ({ name: path, size: 0, type: '', code, message, ...(limit !== undefined ? { limit } : {}) });

const tooDeep = (path: string, limits: FolderLimits) => folderRejection(path, 'folder-too-deep',
  `The folder "${path}" is nested more than ${limits.maxDepth} levels deep; its files were not read.`, limits.maxDepth);

const tooMany = (path: string, limits: FolderLimits) => folderRejection(path, 'too-many-files',
  `At most ${limits.maxFiles} file${limits.maxFiles === 1 ? '' : 's'} can be added at a time; reading stopped at "${path}".`, limits.maxFiles);

/** A dropped or chosen folder with no file in it (nor in its subfolders); '' for a chosen one, whose name the browser does not give. */
const empty = (path: string) => folderRejection(path, 'folder-empty',
  path ? `The folder "${path}" is empty: there are no files in it.` : 'The chosen folder is empty: there are no files in it.');

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));
const nextEntries = (reader: FileSystemDirectoryReader) => new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
const byName = (a: FileSystemEntry, b: FileSystemEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Reads dropped entries: files as they are, folders recursively (depth first, by name), each
 * file given its path from the dropped folder by `place` (./index.ts withPath). Folders deeper than `maxDepth` are not read
 * (`folder-too-deep`, once per folder); reading stops after `maxFiles` files (`too-many-files`,
 * naming the folder it stopped in, or the first loose file left out). A folder or file that cannot be read is left out.
 * A dropped folder in which nothing was found — no file, no refusal, at any depth — is `folder-empty`
 * (an empty subfolder of a folder that has files is not: the user dropped the folder, not it).
 */
export async function readEntries(entries: readonly FileSystemEntry[], limits: FolderLimits, place: (file: File, path: string) => File): Promise<Gathered> {
  const files: File[] = [];
  const rejected: RejectedFile[] = [];
  let full = false;
  /** File entries met so far, also those left out: what tells an empty folder from a full one. */
  let met = 0;

  const take = async (list: readonly FileSystemEntry[], folder: string, depth: number): Promise<void> => {
    const fileEntries = list.filter((e): e is FileSystemFileEntry => e.isFile);
    met += fileEntries.length;
    const room = limits.maxFiles - files.length;
    if (fileEntries.length > room) {
      full = true;
      rejected.push(tooMany(folder || fileEntries[room]!.name, limits));
      fileEntries.length = room;
    }
    const read = await Promise.all(fileEntries.map((e) => fileOf(e).then((f) => (depth > 0 ? place(f, e.fullPath.replace(/^\//, '')) : f), () => undefined)));
    for (const f of read) if (f) files.push(f);
    for (const dir of list) {
      if (full) return;
      if (!dir.isDirectory) continue;
      const path = dir.fullPath.replace(/^\//, '');
      if (depth + 1 > limits.maxDepth) {
        rejected.push(tooDeep(path, limits));
        continue;
      }
      const found = met + rejected.length;
      const read = await readFolder(dir as FileSystemDirectoryEntry, limits.maxFiles - files.length);
      if (read.failed) met++; // not read to its end: not known to be empty
      await take(read.entries, path, depth + 1);
      if (depth === 0 && met + rejected.length === found) rejected.push(empty(path));
    }
  };

  await take(entries, '', 0);
  return { files, rejected };
}

/**
 * A folder's entries by name. readEntries answers in batches (100 in Chromium) until an empty
 * one; reading stops early once the folder holds more files than `room`, which is all `take` needs to know.
 * `failed`: a read failed before the end.
 */
async function readFolder(dir: FileSystemDirectoryEntry, room: number): Promise<{ entries: FileSystemEntry[]; failed: boolean }> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  let fileCount = 0;
  let failed = false;
  try {
    for (let batch = await nextEntries(reader); batch.length && fileCount <= room; batch = await nextEntries(reader)) {
      all.push(...batch);
      fileCount += batch.filter((e) => e.isFile).length;
    }
  } catch {
    failed = true; // unreadable (removed meanwhile, no permission): what was read stands
  }
  return { entries: all.sort(byName), failed };
}

/**
 * Holds a chosen folder's files (`webkitRelativePath` set by the browser) to the limits a
 * dropped folder's are held to. Loose files (no path) pass as they are. No file at all is an empty
 * folder: the picker gives none for it (nor its name).
 */
export function limitFolderFiles(files: readonly File[], limits: FolderLimits): Gathered {
  if (!files.length) return { files: [], rejected: [empty('')] };
  const kept: File[] = [];
  const rejected: RejectedFile[] = [];
  const deep = new Set<string>();
  for (const file of files) {
    const folders = file.webkitRelativePath.split('/').slice(0, -1);
    if (folders.length > limits.maxDepth) {
      const path = folders.slice(0, limits.maxDepth + 1).join('/');
      if (!deep.has(path)) rejected.push(tooDeep(path, limits));
      deep.add(path);
      continue;
    }
    if (kept.length === limits.maxFiles) {
      rejected.push(tooMany(folders.join('/') || file.name, limits));
      break;
    }
    kept.push(file);
  }
  return { files: kept, rejected };
}

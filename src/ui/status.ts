// What a file's snapshot says about where its upload stands, read alike by the list's rows, the
// batch summary and the form control (each used to spell these out on its own).
import type { UploadFileInfo, UploadStatus } from '../events.js';

/** A file that has not finished: it may still be stored (the form waits for it; a row offers Cancel). */
export const UNFINISHED: ReadonlySet<UploadStatus> = new Set(['queued', 'uploading', 'paused', 'retrying']);

/**
 * Every byte handed to the network and no answer yet: the browser counts bytes as sent once they are
 * in the connection's buffers, seconds before OSS has them all on a slow link, so no speed or time left.
 */
export const finishing = (file: UploadFileInfo): boolean => file.status === 'uploading' && file.loaded >= file.total;

// ListMultipartUploads paging, as ListMultipartUploads.md (AlibabaCloudDocs/oss) describes it:
// uploads in ascending key order and, for one key, ascending UploadId order; `key-marker` alone
// starts after that key; with `upload-id-marker` too, the same key's uploads with a greater
// UploadId come first; `upload-id-marker` without `key-marker` is ignored; at most 1000 per page.
// OSS does not say how `delimiter` groups count against `max-uploads` or where paging resumes
// after a group: that follows S3 (a CommonPrefixes entry counts as one, and is the next marker).
import { errors } from './errors.js';
import type { UploadMeta } from './store.js';

export const MAX_UPLOADS = 1000;

export interface UploadsQuery {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
}

export interface UploadsPage {
  uploads: UploadMeta[];
  prefixes: string[];
  isTruncated: boolean;
  /** The last upload's key (or the last common prefix) and upload id ('' after a prefix). */
  nextKeyMarker: string;
  nextUploadIdMarker: string;
}

/** `max-uploads`: 1 to 1000, 1000 when absent; anything else is refused as ListObjects refuses a bad `max-keys`. */
export function parseMaxUploads(text: string | undefined): number {
  if (text === undefined) return MAX_UPLOADS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_UPLOADS) {
    throw errors.invalidArgument('max-uploads must be an integer between 1 and 1000.', 'max-uploads', text);
  }
  return n;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One page of `uploads` (any order, any bucket's: filter first) for the query. */
export function pageUploads(uploads: readonly UploadMeta[], q: UploadsQuery): UploadsPage {
  const sorted = uploads.filter((u) => u.key.startsWith(q.prefix))
    .sort((a, b) => compare(a.key, b.key) || compare(a.uploadId, b.uploadId));
  const page: UploadsPage = { uploads: [], prefixes: [], isTruncated: false, nextKeyMarker: '', nextUploadIdMarker: '' };
  for (const u of sorted) {
    if (q.keyMarker) {
      const before = q.uploadIdMarker
        ? u.key < q.keyMarker || (u.key === q.keyMarker && u.uploadId <= q.uploadIdMarker)
        : u.key <= q.keyMarker;
      if (before) continue;
    }
    let group: string | undefined;
    if (q.delimiter) {
      const i = u.key.indexOf(q.delimiter, q.prefix.length);
      if (i >= 0) {
        group = u.key.slice(0, i + q.delimiter.length);
        // Already listed, on this page or (as the marker) on an earlier one.
        if (group === page.prefixes.at(-1) || (q.keyMarker && group <= q.keyMarker)) continue;
      }
    }
    if (page.uploads.length + page.prefixes.length >= q.maxUploads) {
      page.isTruncated = true;
      break;
    }
    if (group === undefined) {
      page.uploads.push(u);
      page.nextKeyMarker = u.key;
      page.nextUploadIdMarker = u.uploadId;
    } else {
      page.prefixes.push(group);
      page.nextKeyMarker = group;
      page.nextUploadIdMarker = '';
    }
  }
  return page;
}

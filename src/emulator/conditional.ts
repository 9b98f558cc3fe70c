// Conditional GetObject and HeadObject: If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since. The outcomes are OSS's (GetObject.md and HeadObject.md in
// AlibabaCloudDocs/oss; help page "http-status-code-412"): If-Match not matching or the object
// modified after If-Unmodified-Since → 412 PreconditionFailed; If-None-Match matching or the object
// not modified after If-Modified-Since → 304; a time "不符合规范" (not an HTTP date) is ignored.
// OSS only says that each pair may be combined, not what wins when they disagree, so precedence is
// S3's (and RFC 7232 §6): a present If-Match decides instead of If-Unmodified-Since, a present
// If-None-Match decides instead of If-Modified-Since, and a 412 is checked before a 304.
import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from './errors.js';
import type { ObjectMeta } from './types.js';

/** 412 with the failing header in `<Condition>` (ali-oss appends it to the message); EC from OSS's 0017-00001001 page. */
export function preconditionFailed(condition: string): OssError {
  return new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold',
    { Condition: condition }, '0017-00001001');
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
// RFC 7231 §7.1.1.1: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const HTTP_DATE = new RegExp([
  `^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`,
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`,
  `^${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`,
].join('|'));

/** Milliseconds of an HTTP date, or undefined for anything else (which OSS ignores). */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return undefined;
  const ms = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(ms) ? undefined : ms;
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toUpperCase();

/**
 * Whether a list of entity tags names this ETag: `*` names any. Quotes and a weak `W/` are ignored,
 * and so is the hex's case, as the emulator's CompleteMultipartUpload compares ETags.
 */
function listNames(list: string, etag: string): boolean {
  const mine = opaque(etag);
  return list.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === mine);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Evaluates the request's conditions against the object: throws 412 PreconditionFailed, answers
 * `'not-modified'` for a 304, or undefined to serve the object.
 */
export function evaluateConditions(headers: IncomingHttpHeaders, meta: Pick<ObjectMeta, 'etag' | 'lastModified'>):
  'not-modified' | undefined {
  // HTTP dates have whole seconds: compare the object's time at that precision.
  const modified = Math.floor(Date.parse(meta.lastModified) / 1000) * 1000;
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!listNames(ifMatch, meta.etag)) throw preconditionFailed('If-Match');
  } else {
    const since = parseHttpDate(header(headers, 'if-unmodified-since'));
    if (since !== undefined && modified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) return listNames(ifNoneMatch, meta.etag) ? 'not-modified' : undefined;
  const since = parseHttpDate(header(headers, 'if-modified-since'));
  return since !== undefined && modified <= since ? 'not-modified' : undefined;
}

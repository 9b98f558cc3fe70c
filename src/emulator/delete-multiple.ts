// DeleteMultipleObjects (`POST /<bucket>?delete`): the request body's checks and the DeleteResult.
// Sources: DeleteMultipleObjects.md (AlibabaCloudDocs/oss): Content-MD5 required and verified
// (InvalidDigest), at most 1000 objects and a 2 MB body (both MalformedXML), Quiet answers no body
// when every delete succeeded, verbose lists each `<Deleted><Key>`, `encoding-type=url` encodes the
// keys; EC pages 0016-00000606 (no Content-MD5), 0016-00000613 (an Object without Key),
// 0016-00000615 (no Object). OSS gives no code for a missing Content-MD5: it is S3's (InvalidRequest).
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { errors, OssError, xmlEscape } from './errors.js';

export const MAX_DELETE_OBJECTS = 1000;
export const MAX_DELETE_BODY = 2 * 1024 * 1024;

const malformed = (message: string, ec: string) => new OssError(400, 'MalformedXML', message, {}, ec);

export const deleteErrors = {
  missingContentMd5: () => new OssError(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5.', {}, '0016-00000606'),
  bodyTooLarge: () => malformed(`The XML you provided was larger than the maximum of ${MAX_DELETE_BODY} bytes allowed.`, '0016-00000608'),
  tooManyObjects: () => malformed(`The request may delete at most ${MAX_DELETE_OBJECTS} objects.`, '0016-00000608'),
  missingKey: () => malformed('An Object in the Delete request has no Key.', '0016-00000613'),
  noObjects: () => malformed('The Delete request names no Object.', '0016-00000615'),
};

// Keys keep their spaces (no trimming), and ali-oss escapes `'` as `&#39;`: numeric references must decode.
const parser = new XMLParser({
  ignoreAttributes: true, parseTagValue: false, trimValues: false, htmlEntities: true, isArray: (name) => name === 'Object',
});

export interface DeleteRequest {
  quiet: boolean;
  keys: string[];
}

/** Checks the body against its Content-MD5 and parses it; throws the OssError OSS answers. */
export function parseDeleteRequest(raw: Buffer, contentMd5: string | undefined): DeleteRequest {
  if (contentMd5 === undefined) throw deleteErrors.missingContentMd5();
  if (createHash('md5').update(raw).digest('base64') !== contentMd5.trim()) throw errors.invalidDigest();
  let doc: unknown;
  try {
    const text = raw.toString('utf8');
    if (!text.trim()) throw new Error('empty');
    doc = parser.parse(text, true);
  } catch {
    throw errors.malformedXml();
  }
  const root = (doc as Record<string, unknown> | undefined)?.['Delete'];
  if (root === undefined || root === null || typeof root !== 'object') throw errors.malformedXml();
  const fields = root as Record<string, unknown>;
  const objects = fields['Object'];
  if (!Array.isArray(objects) || objects.length === 0) throw deleteErrors.noObjects();
  if (objects.length > MAX_DELETE_OBJECTS) throw deleteErrors.tooManyObjects();
  const keys = objects.map((o) => {
    const key = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['Key'] : undefined;
    if (typeof key !== 'string') throw deleteErrors.missingKey();
    return key;
  });
  const quiet = String(fields['Quiet'] ?? 'false').trim().toLowerCase() === 'true';
  return { quiet, keys };
}

/** The DeleteResult body, or undefined in quiet mode (every delete succeeded, so there is nothing to say). */
export function deleteResultXml(deleted: readonly string[], quiet: boolean, urlEncode: boolean): string | undefined {
  if (quiet) return undefined;
  const enc = (key: string) => xmlEscape(urlEncode ? encodeURIComponent(key) : key);
  return '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>'
    + (urlEncode ? '<EncodingType>url</EncodingType>' : '')
    + deleted.map((key) => `<Deleted><Key>${enc(key)}</Key></Deleted>`).join('')
    + '</DeleteResult>';
}

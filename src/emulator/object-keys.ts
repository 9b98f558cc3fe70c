// OSS's object naming rules, applied to every operation that names a key (and to PostObject's key
// once `${filename}` is substituted). Sources: the Object naming conventions page
// (alibabacloud.com/help/en/oss/user-guide/object-naming-conventions: UTF-8, 1 to 1,023 bytes, no
// leading `/` or `\`), the HTTP 400 page (help.aliyun.com/document_detail/185228: code
// InvalidObjectName and the three messages below, quoted as the page prints them), and the EC pages
// 0016-00000001 (empty), 0016-00000003 (too long), 0016-00000005 (leading slash or backslash).
import { OssError } from './errors.js';

/** The longest object name OSS accepts, in UTF-8 bytes. */
export const MAX_OBJECT_NAME_BYTES = 1023;

const invalidObjectName = (message: string, ec: string) => new OssError(400, 'InvalidObjectName', message, {}, ec);

/** Throws 400 InvalidObjectName when OSS would refuse `key` as an object name. */
export function checkObjectName(key: string): void {
  if (key === '') throw invalidObjectName('The Object name can not be empty', '0016-00000001');
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_NAME_BYTES) {
    throw invalidObjectName('The Length of Object name must be less than 1024', '0016-00000003');
  }
  if (key.startsWith('/') || key.startsWith('\\')) throw invalidObjectName('The specified object is not valid', '0016-00000005');
}

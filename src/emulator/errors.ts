// OSS's XML error responses (OSS-PROTOCOL.md §8).

/** An error the emulator answers with: HTTP status, OSS Code, Message and the code's extra elements. */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, string>> = {},
    /** Error-centre code sent as `x-oss-ec` and `<EC>`. */
    readonly ec = '0000-00000000',
  ) {
    super(message);
    this.name = 'OssError';
  }
}

/** Escapes XML text content. Quotes stay literal, as OSS writes ETags (`<ETag>"…"</ETag>`). */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** `<tag>value</tag>` lines from an object, values escaped; nested objects and arrays are not handled here. */
export function xmlElements(fields: Readonly<Record<string, string | number | boolean | undefined>>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
    .join('');
}

export function errorXml(err: OssError, requestId: string, hostId: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
    + xmlElements({ Code: err.code, Message: err.message, RequestId: requestId, HostId: hostId })
    + xmlElements(err.extra)
    + xmlElements({ EC: err.ec })
    + '</Error>\n';
}

// The errors more than one handler raises, with OSS's own wording.
export const errors = {
  accessDenied: (message = 'You have no right to access this object because of bucket acl.', extra?: Record<string, string>) =>
    new OssError(403, 'AccessDenied', message, extra, '0003-00000001'),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new OssError(400, 'InvalidArgument', message, name !== undefined ? { ArgumentName: name, ArgumentValue: value ?? '' } : {}, '0017-00000001'),
  noSuchBucket: (bucket: string) =>
    new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket }, '0015-00000101'),
  noSuchKey: (key: string) =>
    new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }, '0026-00000001'),
  noSuchUpload: (uploadId: string) =>
    new OssError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }, '0042-00000002'),
  notImplemented: (what: string) =>
    new OssError(400, 'NotImplemented', `The emulator does not implement ${what}.`, { Header: what }, '0000-00000000'),
  malformedXml: () =>
    new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.', {}, '0016-00000608'),
  entityTooLarge: (message = 'Your proposed upload exceeds the maximum allowed size.') =>
    new OssError(400, 'EntityTooLarge', message, {}, '0006-00000003'),
  entityTooSmall: (message = 'Your proposed upload is smaller than the minimum allowed size.') =>
    new OssError(400, 'EntityTooSmall', message, {}, '0006-00000004'),
  invalidDigest: () =>
    new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', {}, '0016-00000401'),
  fileAlreadyExists: () =>
    new OssError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.', {}, '0016-00000708'),
  internalError: (message = 'We encountered an internal error. Please try again.') =>
    new OssError(500, 'InternalError', message, {}, '0000-00000500'),
  invalidAccessKeyId: (accessKeyId: string) =>
    new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: accessKeyId }, '0002-00000902'),
  securityTokenExpired: () =>
    new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.', {}, '0002-00000051'),
  invalidSecurityToken: () =>
    new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.', {}, '0002-00000050'),
  tokenNotMatch: () =>
    new OssError(403, 'AccessKeyIdAndSecurityTokenNotMatch', 'The OSS Access Key Id and the security token you provided do not match.', {}, '0002-00000052'),
};

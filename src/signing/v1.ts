// OSS signature V1 ("OSS" header, Expires/Signature URL). OSS-PROTOCOL.md §2.
import { toBase64, uriEncode, encodeKeyPath } from './encoding.js';
import { hmacSha1 } from './hmac.js';
import { byteOrder, normalizeHeaders, queryPairs, type SignableRequest } from './request.js';

/** Query parameters that V1 signs (besides any `x-oss-*` one). Ordinary ones (prefix, marker, …) are not. */
export const V1_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style',
  'styleName', 'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp',
  'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'stat', 'restore', 'callback',
  'callback-var', 'versions', 'versioning', 'versionId', 'sequential', 'continuation-token',
  'regionList', 'cloudboxes', 'policy', 'encryption', 'inventory', 'worm', 'wormId', 'wormExtend',
  'requestPayment', 'requestPaymentAccept', 'accessPoint', 'transferAcceleration', 'resourceGroup',
  'objectInfo', 'uploadInfo', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc', 'udfApplication',
  'udfApplicationLog', 'processConfiguration', 'asyncFetch', 'tag', 'metaQuery', 'httpsConfig',
  'publicAccessBlock', 'bucketArchiveDirectRead',
]);

export function isV1Subresource(name: string): boolean {
  return V1_SUBRESOURCES.has(name) || name.toLowerCase().startsWith('x-oss-');
}

export function v1CanonicalResource(req: Pick<SignableRequest, 'bucket' | 'key' | 'query'>): string {
  let resource = req.bucket ? `/${req.bucket}/${req.key ?? ''}` : '/';
  const subs = queryPairs(req.query)
    .filter(([name]) => isV1Subresource(name))
    .sort((a, b) => byteOrder(a[0], b[0]) || byteOrder(a[1], b[1]));
  if (subs.length) resource += '?' + subs.map(([k, v]) => (v ? `${k}=${v}` : k)).join('&');
  return resource;
}

/**
 * StringToSign for V1. `dateValue` is the Expires number for URLs; for headers it is taken from
 * `x-oss-date`, else `Date`.
 */
export function v1StringToSign(req: SignableRequest, dateValue?: string): string {
  const h = normalizeHeaders(req.headers);
  const date = dateValue ?? h.get('x-oss-date') ?? h.get('date') ?? '';
  const ossHeaders = [...h].filter(([k]) => k.startsWith('x-oss-')).sort((a, b) => byteOrder(a[0], b[0]));
  return [req.method.toUpperCase(), h.get('content-md5') ?? '', h.get('content-type') ?? '', date].join('\n') + '\n'
    + ossHeaders.map(([k, v]) => `${k}:${v}\n`).join('')
    + v1CanonicalResource(req);
}

export async function v1Signature(secret: string, stringToSign: string): Promise<string> {
  return toBase64(await hmacSha1(secret, stringToSign));
}

export interface V1Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Signs a request with a header: adds `x-oss-date` (RFC 1123; browsers cannot set `Date`),
 * `x-oss-security-token` when there is one, and `authorization`. Returns the headers to send.
 */
export async function signHeaderV1(
  req: SignableRequest,
  creds: V1Credentials,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
  headers['x-oss-date'] = now.toUTCString();
  if (creds.securityToken) headers['x-oss-security-token'] = creds.securityToken;
  const signature = await v1Signature(creds.accessKeySecret, v1StringToSign({ ...req, headers }));
  headers['authorization'] = `OSS ${creds.accessKeyId}:${signature}`;
  return headers;
}

/**
 * A V1 presigned URL's query string (no leading '?'): the request's own query, the STS token as
 * `security-token`, then OSSAccessKeyId, Expires and Signature.
 */
export async function presignQueryV1(
  req: SignableRequest,
  creds: V1Credentials,
  expires: number,
): Promise<string> {
  const query = queryPairs(req.query);
  if (creds.securityToken) query.push(['security-token', creds.securityToken]);
  const sts = v1StringToSign({ ...req, query }, String(expires));
  const signature = await v1Signature(creds.accessKeySecret, sts);
  const all: Array<[string, string]> = [
    ...query, ['OSSAccessKeyId', creds.accessKeyId], ['Expires', String(expires)], ['Signature', signature],
  ];
  return all.map(([k, v]) => (v ? `${uriEncode(k)}=${uriEncode(v)}` : uriEncode(k))).join('&');
}

/** Path of an object URL in path style: /bucket/key with the key's segments encoded. */
export function pathStyleUrlPath(bucket: string, key = ''): string {
  return `/${bucket}/${encodeKeyPath(key)}`;
}

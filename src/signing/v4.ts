// OSS signature V4 (OSS4-HMAC-SHA256): header, presigned URL, and the signing key that PostObject V4 uses. OSS-PROTOCOL.md §3.
import { toHex, uriEncode } from './encoding.js';
import { hmacSha256, sha256 } from './hmac.js';
import { byteOrder, isoBasic, normalizeHeaders, queryPairs, type SignableRequest } from './request.js';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The region id in a V4 scope is the standard one (`cn-hangzhou`); ali-oss strips a leading `oss-`. */
export function v4Region(region: string): string {
  return region.replace(/^oss-/, '');
}

export function v4Scope(date: string, region: string): string {
  return `${date}/${v4Region(region)}/oss/aliyun_v4_request`;
}

function isDefaultSigned(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

/** AdditionalHeaders as a signer sends them: lower-case, sorted, only present headers that are not signed anyway. */
export function v4AdditionalHeaders(headers: SignableRequest['headers'], names: readonly string[]): string[] {
  const present = normalizeHeaders(headers);
  return [...new Set(names.map((n) => n.toLowerCase()))]
    .filter((n) => present.has(n) && !isDefaultSigned(n))
    .sort(byteOrder);
}

export function v4CanonicalUri(bucket?: string, key?: string): string {
  return bucket ? uriEncode(`/${bucket}/${key ?? ''}`, true) : '/';
}

export function v4CanonicalQuery(query: SignableRequest['query']): string {
  return queryPairs(query)
    .filter(([k]) => k !== 'x-oss-signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => byteOrder(a[0], b[0]) || byteOrder(a[1], b[1]))
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join('&');
}

/**
 * The canonical request. Signed headers are content-type, content-md5, every x-oss-* header and
 * those named in `additionalHeaders` (lower-case names).
 */
export function v4CanonicalRequest(req: SignableRequest, additionalHeaders: readonly string[] = []): string {
  const h = normalizeHeaders(req.headers);
  const additional = [...new Set(additionalHeaders.map((n) => n.toLowerCase()))].sort(byteOrder);
  const signed = [...h]
    .filter(([k]) => isDefaultSigned(k) || additional.includes(k))
    .sort((a, b) => byteOrder(a[0], b[0]));
  return [
    req.method.toUpperCase(),
    v4CanonicalUri(req.bucket, req.key),
    v4CanonicalQuery(req.query),
    signed.map(([k, v]) => `${k}:${v}\n`).join(''),
    additional.join(';'),
    h.get('x-oss-content-sha256') ?? UNSIGNED_PAYLOAD,
  ].join('\n');
}

export async function v4StringToSign(canonicalRequest: string, isoDate: string, region: string): Promise<string> {
  return [V4_ALGORITHM, isoDate, v4Scope(isoDate.slice(0, 8), region), toHex(await sha256(canonicalRequest))].join('\n');
}

/** Derived keys by day, region and secret: four HMACs, each two async WebCrypto calls, once a day instead of every request. */
const signingKeys = new Map<string, Promise<Uint8Array>>();

export function v4SigningKey(secret: string, date: string, region: string): Promise<Uint8Array> {
  const id = `${date}\n${region}\n${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = (async () => {
      const kDate = await hmacSha256(`aliyun_v4${secret}`, date);
      const kRegion = await hmacSha256(kDate, v4Region(region));
      const kService = await hmacSha256(kRegion, 'oss');
      return hmacSha256(kService, 'aliyun_v4_request');
    })();
    key.catch(() => signingKeys.delete(id));
    if (signingKeys.size >= 32) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

/** lower-hex HMAC-SHA256 of `stringToSign` with the key derived from the secret, date (YYYYMMDD) and region. */
export async function v4Signature(secret: string, date: string, region: string, stringToSign: string): Promise<string> {
  return toHex(await hmacSha256(await v4SigningKey(secret, date, region), stringToSign));
}

export interface V4Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Signs a request with a V4 header: adds x-oss-date, x-oss-content-sha256, the token and
 * authorization. Returns the headers to send.
 */
export async function signHeaderV4(
  req: SignableRequest,
  creds: V4Credentials,
  region: string,
  now: Date = new Date(),
  additionalHeaders: readonly string[] = [],
): Promise<Record<string, string>> {
  const isoDate = isoBasic(now);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k] = v;
  headers['x-oss-date'] = isoDate;
  headers['x-oss-content-sha256'] = UNSIGNED_PAYLOAD;
  if (creds.securityToken) headers['x-oss-security-token'] = creds.securityToken;
  const additional = v4AdditionalHeaders(headers, additionalHeaders);
  const canonical = v4CanonicalRequest({ ...req, headers }, additional);
  const sts = await v4StringToSign(canonical, isoDate, region);
  const signature = await v4Signature(creds.accessKeySecret, isoDate.slice(0, 8), region, sts);
  const extra = additional.length ? `,AdditionalHeaders=${additional.join(';')}` : '';
  headers['authorization'] = `${V4_ALGORITHM} Credential=${creds.accessKeyId}/${v4Scope(isoDate.slice(0, 8), region)}${extra},Signature=${signature}`;
  return headers;
}

/** A V4 presigned URL's query string (no leading '?'), `expiresIn` in seconds (1…604800). */
export async function presignQueryV4(
  req: SignableRequest,
  creds: V4Credentials,
  region: string,
  expiresIn: number,
  now: Date = new Date(),
  additionalHeaders: readonly string[] = [],
): Promise<string> {
  const isoDate = isoBasic(now);
  const query = queryPairs(req.query);
  const additional = v4AdditionalHeaders(req.headers, additionalHeaders);
  query.push(
    ['x-oss-signature-version', V4_ALGORITHM],
    ['x-oss-credential', `${creds.accessKeyId}/${v4Scope(isoDate.slice(0, 8), region)}`],
    ['x-oss-date', isoDate],
    ['x-oss-expires', String(expiresIn)],
  );
  if (additional.length) query.push(['x-oss-additional-headers', additional.join(';')]);
  if (creds.securityToken) query.push(['x-oss-security-token', creds.securityToken]);
  const canonical = v4CanonicalRequest({ ...req, query }, additional);
  const sts = await v4StringToSign(canonical, isoDate, region);
  query.push(['x-oss-signature', await v4Signature(creds.accessKeySecret, isoDate.slice(0, 8), region, sts)]);
  return query.map(([k, v]) => (v ? `${uriEncode(k)}=${uriEncode(v)}` : uriEncode(k))).join('&');
}

export interface ParsedV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  additionalHeaders: string[];
  signature: string;
}

/** Parses `OSS4-HMAC-SHA256 Credential=AK/DATE/REGION/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=hex`; null if malformed. */
export function parseV4Authorization(value: string): ParsedV4Authorization | null {
  if (!value.startsWith(V4_ALGORITHM + ' ')) return null;
  const fields = new Map<string, string>();
  for (const part of value.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parseV4Credential(fields.get('Credential') ?? '');
  const signature = fields.get('Signature');
  if (!credential || !signature) return null;
  const extra = fields.get('AdditionalHeaders');
  if (extra === '') return null;
  return { ...credential, signature, additionalHeaders: extra ? extra.split(';') : [] };
}

/** `AK/YYYYMMDD/region/oss/aliyun_v4_request` → its parts; null if malformed. */
export function parseV4Credential(value: string): { accessKeyId: string; date: string; region: string } | null {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[3] !== 'oss' || parts[4] !== 'aliyun_v4_request') return null;
  const [accessKeyId, date, region] = parts as [string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region) return null;
  return { accessKeyId, date, region };
}

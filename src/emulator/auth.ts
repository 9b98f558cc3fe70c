// Authentication of header- and URL-signed requests, V1 and V4, in the order OSS-PROTOCOL.md §2
// suggests: format → AccessKeyId → token → time → signature.
import type { IncomingHttpHeaders } from 'node:http';
import {
  UNSIGNED_PAYLOAD, V4_ALGORITHM, parseV4Authorization, parseV4Credential, v1Signature, v1StringToSign,
  v4CanonicalRequest, v4Region, v4Signature, v4StringToSign, type QueryPairs,
} from '../signing/index.js';
import { errors, OssError } from './errors.js';
import type { CredentialLookup, CredentialRecord } from './types.js';

export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface AuthContext {
  credentials: CredentialLookup;
  region: string;
  now: () => number;
}

export interface AuthRequest {
  method: string;
  bucket?: string;
  key?: string;
  headers: IncomingHttpHeaders;
  query: QueryPairs;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The headers as signers see them: string values only. */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function bytesOf(text: string): string {
  return [...new TextEncoder().encode(text)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

const iso = (ms: number) => new Date(ms).toISOString();

function skewError(requestMs: number, nowMs: number): OssError {
  return new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
    RequestTime: iso(requestMs), ServerTime: iso(nowMs), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
  }, '0002-00000504');
}

function parseIsoBasic(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** Checks the token rules for a record, given the token the request carried. */
export function checkToken(record: CredentialRecord, token: string | undefined, ctx: AuthContext): void {
  if (record.securityToken === undefined) {
    if (token) throw errors.invalidSecurityToken();
    return;
  }
  if (!token) throw errors.invalidAccessKeyId(record.accessKeyId);
  if (token !== record.securityToken) {
    throw ctx.credentials.findByToken(token) ? errors.tokenNotMatch() : errors.invalidSecurityToken();
  }
  if (record.expiration && record.expiration.getTime() <= ctx.now()) throw errors.securityTokenExpired();
}

function lookup(accessKeyId: string, ctx: AuthContext): CredentialRecord {
  const record = ctx.credentials.lookup(accessKeyId);
  if (!record) throw errors.invalidAccessKeyId(accessKeyId);
  return record;
}

/** Verifies the request's signature; returns the credential it was made with. Throws OssError. */
export async function authenticate(req: AuthRequest, ctx: AuthContext): Promise<CredentialRecord> {
  const authorization = header(req.headers, 'authorization');
  const q = new Map(req.query);
  const v1Query = q.has('OSSAccessKeyId') || q.has('Signature') || q.has('Expires');
  const v4Query = q.has('x-oss-signature-version') || q.has('x-oss-signature') || q.has('x-oss-credential');
  if (authorization && (v1Query || v4Query)) {
    throw errors.invalidArgument('Header and query-string authentication can not be used at the same time.', 'Authorization', authorization);
  }
  if (authorization?.startsWith('OSS ')) return authV1Header(req, authorization, ctx);
  if (authorization?.startsWith(V4_ALGORITHM + ' ')) return authV4Header(req, authorization, ctx);
  if (authorization !== undefined) throw errors.invalidArgument('Authorization header is invalid.', 'Authorization', authorization);
  if (v1Query) return authV1Query(req, q, ctx);
  if (v4Query) return authV4Query(req, q, ctx);
  throw errors.accessDenied('You have no right to access this object because of bucket acl.');
}

function v1Mismatch(accessKeyId: string, provided: string, stringToSign: string): OssError {
  return new OssError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
    OSSAccessKeyId: accessKeyId, SignatureProvided: provided, StringToSign: stringToSign, StringToSignBytes: bytesOf(stringToSign),
  }, '0002-00000040');
}

function v4Mismatch(accessKeyId: string, provided: string, canonical: string, stringToSign: string): OssError {
  return new OssError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
    OSSAccessKeyId: accessKeyId, SignatureProvided: provided, CanonicalRequest: canonical, StringToSign: stringToSign,
    StringToSignBytes: bytesOf(stringToSign),
  }, '0002-00000228');
}

async function authV1Header(req: AuthRequest, authorization: string, ctx: AuthContext): Promise<CredentialRecord> {
  const cred = authorization.slice(4);
  const colon = cred.lastIndexOf(':');
  if (colon <= 0 || colon === cred.length - 1) throw errors.invalidArgument('Authorization header is invalid.', 'Authorization', authorization);
  const accessKeyId = cred.slice(0, colon).trim();
  const provided = cred.slice(colon + 1).trim();
  const record = lookup(accessKeyId, ctx);
  checkToken(record, header(req.headers, 'x-oss-security-token'), ctx);
  const dateText = header(req.headers, 'x-oss-date') ?? header(req.headers, 'date');
  const date = dateText ? Date.parse(dateText) : NaN;
  if (Number.isNaN(date)) throw errors.accessDenied('OSS authentication requires a valid Date.');
  if (Math.abs(ctx.now() - date) > MAX_SKEW_MS) throw skewError(date, ctx.now());
  const sts = v1StringToSign({ method: req.method, bucket: req.bucket, key: req.key, headers: flatHeaders(req.headers), query: req.query });
  if ((await v1Signature(record.accessKeySecret, sts)) !== provided) throw v1Mismatch(accessKeyId, provided, sts);
  return record;
}

async function authV1Query(req: AuthRequest, q: Map<string, string>, ctx: AuthContext): Promise<CredentialRecord> {
  const accessKeyId = q.get('OSSAccessKeyId');
  const provided = q.get('Signature');
  const expires = q.get('Expires');
  if (!accessKeyId || !provided || !expires) {
    throw errors.accessDenied('Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters');
  }
  const record = lookup(accessKeyId, ctx);
  checkToken(record, q.get('security-token'), ctx);
  const expiresAt = Number(expires) * 1000;
  if (!Number.isFinite(expiresAt)) throw errors.invalidArgument('Expires is invalid.', 'Expires', expires);
  if (expiresAt < ctx.now()) {
    throw errors.accessDenied('Request has expired.', { Expires: iso(expiresAt), ServerTime: iso(ctx.now()) });
  }
  const query = req.query.filter(([k]) => k !== 'OSSAccessKeyId' && k !== 'Signature' && k !== 'Expires');
  const sts = v1StringToSign({ method: req.method, bucket: req.bucket, key: req.key, headers: flatHeaders(req.headers), query }, expires);
  if ((await v1Signature(record.accessKeySecret, sts)) !== provided) throw v1Mismatch(accessKeyId, provided, sts);
  return record;
}

function checkScope(date: string, region: string, isoDate: string, ctx: AuthContext, where: string): void {
  if (v4Region(region) !== v4Region(ctx.region)) {
    throw errors.invalidArgument(`Invalid signing region in ${where}.`, where, region);
  }
  if (isoDate.slice(0, 8) !== date) {
    throw errors.invalidArgument(`Invalid signing date in ${where}.`, where, date);
  }
}

async function authV4Header(req: AuthRequest, authorization: string, ctx: AuthContext): Promise<CredentialRecord> {
  const parsed = parseV4Authorization(authorization);
  if (!parsed) throw errors.invalidArgument('Authorization header is invalid.', 'Authorization', authorization);
  const record = lookup(parsed.accessKeyId, ctx);
  checkToken(record, header(req.headers, 'x-oss-security-token'), ctx);
  const isoDate = header(req.headers, 'x-oss-date') ?? '';
  const date = parseIsoBasic(isoDate);
  if (date === undefined) throw errors.accessDenied('x-oss-date is missing or invalid for V4 signature.');
  checkScope(parsed.date, parsed.region, isoDate, ctx, 'Authorization');
  const sha = header(req.headers, 'x-oss-content-sha256');
  if (sha !== UNSIGNED_PAYLOAD) {
    throw errors.invalidArgument('x-oss-content-sha256 must be UNSIGNED-PAYLOAD.', 'x-oss-content-sha256', sha ?? '');
  }
  if (Math.abs(ctx.now() - date) > MAX_SKEW_MS) throw skewError(date, ctx.now());
  const canonical = v4CanonicalRequest(
    { method: req.method, bucket: req.bucket, key: req.key, headers: flatHeaders(req.headers), query: req.query },
    parsed.additionalHeaders,
  );
  const sts = await v4StringToSign(canonical, isoDate, parsed.region);
  if ((await v4Signature(record.accessKeySecret, parsed.date, parsed.region, sts)) !== parsed.signature) {
    throw v4Mismatch(parsed.accessKeyId, parsed.signature, canonical, sts);
  }
  return record;
}

async function authV4Query(req: AuthRequest, q: Map<string, string>, ctx: AuthContext): Promise<CredentialRecord> {
  if (q.get('x-oss-signature-version') !== V4_ALGORITHM) {
    throw errors.invalidArgument('x-oss-signature-version is invalid.', 'x-oss-signature-version', q.get('x-oss-signature-version') ?? '');
  }
  const credential = parseV4Credential(q.get('x-oss-credential') ?? '');
  const provided = q.get('x-oss-signature');
  const isoDate = q.get('x-oss-date') ?? '';
  const date = parseIsoBasic(isoDate);
  const expiresText = q.get('x-oss-expires') ?? '';
  const expires = Number(expiresText);
  if (!credential) throw errors.invalidArgument('x-oss-credential is invalid.', 'x-oss-credential', q.get('x-oss-credential') ?? '');
  if (!provided || date === undefined) {
    throw errors.accessDenied('Query-string authentication requires x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.');
  }
  if (!/^\d+$/.test(expiresText) || expires < 1 || expires > 604800) {
    throw errors.invalidArgument('x-oss-expires must be between 1 and 604800 seconds.', 'x-oss-expires', expiresText);
  }
  const record = lookup(credential.accessKeyId, ctx);
  checkToken(record, q.get('x-oss-security-token'), ctx);
  checkScope(credential.date, credential.region, isoDate, ctx, 'x-oss-credential');
  if (date - ctx.now() > MAX_SKEW_MS) throw skewError(date, ctx.now());
  if (date + expires * 1000 < ctx.now()) {
    throw errors.accessDenied('Request has expired.', { Expires: iso(date + expires * 1000), ServerTime: iso(ctx.now()) });
  }
  const additional = (q.get('x-oss-additional-headers') ?? '').split(';').filter(Boolean);
  const canonical = v4CanonicalRequest(
    { method: req.method, bucket: req.bucket, key: req.key, headers: flatHeaders(req.headers), query: req.query },
    additional,
  );
  const sts = await v4StringToSign(canonical, isoDate, credential.region);
  if ((await v4Signature(record.accessKeySecret, credential.date, credential.region, sts)) !== provided) {
    throw v4Mismatch(credential.accessKeyId, provided, canonical, sts);
  }
  return record;
}

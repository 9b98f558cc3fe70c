// PostObject policy signatures, V1 and V4. OSS-PROTOCOL.md §4.4–4.5.
import { base64Utf8, toBase64, toHex } from './encoding.js';
import { hmacSha1, hmacSha256 } from './hmac.js';
import { isoBasic } from './request.js';
import { V4_ALGORITHM, v4Scope, v4SigningKey } from './v4.js';

export type PolicyCondition =
  | Record<string, string>
  | [op: 'eq' | 'starts-with', field: string, value: string]
  | [op: 'in' | 'not-in', field: string, values: string[]]
  | [op: 'content-length-range', min: number, max: number];

export interface PostPolicy {
  expiration: string;
  conditions: PolicyCondition[];
}

/** The `policy` field: Base64 of the policy's UTF-8 JSON. This exact string is what gets signed. */
export function encodePolicy(policy: PostPolicy | string): string {
  return base64Utf8(typeof policy === 'string' ? policy : JSON.stringify(policy));
}

/** V1: Base64(HMAC-SHA1(secret, policyField)). */
export async function postSignatureV1(secret: string, policyField: string): Promise<string> {
  return toBase64(await hmacSha1(secret, policyField));
}

/** V4: lowerhex(HMAC-SHA256(signingKey(secret, date, region), policyField)). */
export async function postSignatureV4(secret: string, date: string, region: string, policyField: string): Promise<string> {
  return toHex(await hmacSha256(await v4SigningKey(secret, date, region), policyField));
}

/**
 * The V4 fields a form needs besides the policy, to be pinned by exact-match conditions in the
 * policy itself (OSS requires the policy's x-oss-date to equal the form's).
 */
export function postV4Fields(accessKeyId: string, region: string, now: Date = new Date(), securityToken?: string): Record<string, string> {
  const isoDate = isoBasic(now);
  const fields: Record<string, string> = {
    'x-oss-signature-version': V4_ALGORITHM,
    'x-oss-credential': `${accessKeyId}/${v4Scope(isoDate.slice(0, 8), region)}`,
    'x-oss-date': isoDate,
  };
  if (securityToken) fields['x-oss-security-token'] = securityToken;
  return fields;
}

// What the oss-upload/server handlers share: JSON answers and errors, and the prefix rule (the
// server's prefix per request, plus a sub-folder the browser may propose from an allow-list).
// Fetch API only, like the handlers.

import { v4Region } from '../signing/v4.js';

/** OSS object keys are at most 1023 bytes; a prefix must leave room for a name. */
export const MAX_KEY_BYTES = 1023;

/** A refusal with a status and a stable code; the handler answers it as JSON `{code, message}`. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A JSON response that no cache keeps (policies are short-lived and per user). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

export function errorResponse(err: HttpError, headers: Record<string, string> = {}): Response {
  return jsonResponse(err.status, { ...err.extra, code: err.code, message: err.message }, headers);
}

// ---- the options every handler shares ----

/** Credentials a handler signs with: a long-term pair, or STS credentials with their token. */
export interface SignCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: the form gets `x-oss-security-token` (and a V4 policy pins it). */
  securityToken?: string;
  /** When the credentials stop working (ISO 8601 or Date): the policy never outlives them. */
  expiration?: string | Date;
}

export interface TargetOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  credentials?: () => SignCredentials | Promise<SignCredentials>;
  bucket: string;
  region: string;
}

/**
 * Checks the bucket, region and credentials options a handler is created with (a mistake throws
 * at creation, not at the first request) and returns the standard region id and a credentials
 * function, plus `fail` for the handler's own checks.
 */
export function checkTarget(handler: string, options: TargetOptions): {
  fail: (message: string) => never;
  region: string;
  credentials: () => SignCredentials | Promise<SignCredentials>;
} {
  const fail = (message: string): never => {
    throw new TypeError(`${handler}: ${message}`);
  };
  if (!options.bucket || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)) fail(`"${options.bucket}" is not an OSS bucket name.`);
  if (!options.region || !/^[a-z0-9-]+$/.test(options.region)) fail('region must be like "cn-hangzhou" or "oss-cn-hangzhou".');
  if (options.credentials) {
    if (options.accessKeyId || options.accessKeySecret) fail('give either credentials() or the accessKeyId/accessKeySecret pair, not both.');
    return { fail, region: v4Region(options.region), credentials: options.credentials };
  }
  const { accessKeyId, accessKeySecret } = options;
  if (!accessKeyId || !accessKeySecret) fail('accessKeyId and accessKeySecret (or credentials()) are required.');
  const fixed = { accessKeyId: accessKeyId!, accessKeySecret: accessKeySecret! };
  return { fail, region: v4Region(options.region), credentials: () => fixed };
}

// ---- prefixes ----

const CONTROL = /[\u0000-\u001f\u007f]/;

export { byteLength as utf8Length } from '../shared/names.js';
import { byteLength as utf8Length } from '../shared/names.js';

/** Why a prefix is unsafe, or undefined when it is fine. '' is fine (no prefix). */
export function prefixProblem(dir: string): string | undefined {
  if (dir === '') return undefined;
  if (CONTROL.test(dir)) return 'contains a control character';
  if (dir.includes('\\')) return 'contains a backslash';
  if (dir.startsWith('/')) return 'starts with "/"';
  const segments = dir.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'contains a "." or ".." segment';
  if (segments.some((s) => s === '')) return 'contains an empty segment ("//")';
  if (utf8Length(dir) >= MAX_KEY_BYTES) return `is ${MAX_KEY_BYTES} bytes or longer`;
  return undefined;
}

/** '' stays ''; anything else ends with exactly one '/' so that `starts-with` cannot match a sibling (`user1` vs `user10`). */
export function asFolder(dir: string): string {
  return dir === '' || dir.endsWith('/') ? dir : `${dir}/`;
}

/** The prefix option every handler takes: a fixed string, or a function of the request that may refuse it. */
export type PrefixOption = string | ((request: Request) => string | Promise<string>);

/**
 * Checks a handler's `prefix` and `allowedDirs` options (throws `fail(message)` on a bad one) and
 * returns the allow-list as folders.
 */
export function checkPrefixOptions(
  prefix: PrefixOption, allowedDirs: string[] | undefined, fail: (message: string) => never,
): Set<string> {
  if (typeof prefix === 'string' && prefixProblem(prefix)) fail(`prefix "${prefix}" ${prefixProblem(prefix)}.`);
  const folders = new Set<string>();
  for (const d of allowedDirs ?? []) {
    const problem = prefixProblem(d);
    if (problem) fail(`allowedDirs entry "${d}" ${problem}.`);
    folders.add(asFolder(d));
  }
  return folders;
}

/**
 * The granted prefix: the server's (a function may throw an HttpError or a Response to refuse the
 * request), plus a sub-folder the browser proposed and the allow-list holds.
 * 400 InvalidDir when the proposal is malformed, 403 DirNotAllowed when it is not on the list.
 */
export async function grantedDir(
  prefix: PrefixOption, allowedDirs: Set<string>, request: Request, proposed: string | undefined, who = 'handler',
): Promise<string> {
  const base = await basePrefix(prefix, request, who);
  return withDir(base, allowedDirs, proposed);
}

/** The server's own prefix for this request, as a folder. */
export async function basePrefix(prefix: PrefixOption, request: Request, who = 'handler'): Promise<string> {
  const base = asFolder(typeof prefix === 'string' ? prefix : await prefix(request));
  const problem = prefixProblem(base);
  // The app's own prefix function returned something unsafe: a server bug, not the browser's fault.
  if (problem) throw new Error(`${who}: the prefix "${base}" ${problem}`);
  return base;
}

/** `base` plus the proposed sub-folder, when the allow-list holds it. */
export function withDir(base: string, allowedDirs: Set<string>, proposed: string | undefined): string {
  if (proposed === undefined || proposed === '') return base;
  const proposedProblem = prefixProblem(proposed);
  if (proposedProblem) throw new HttpError(400, 'InvalidDir', `The proposed dir ${proposedProblem}.`);
  if (!allowedDirs.has(asFolder(proposed))) {
    throw new HttpError(403, 'DirNotAllowed', `The proposed dir "${proposed}" is not one this server allows.`);
  }
  const dir = base + asFolder(proposed);
  if (utf8Length(dir) >= MAX_KEY_BYTES) throw new HttpError(400, 'InvalidDir', 'The prefix leaves no room for a file name.');
  return dir;
}

// The emulator's STS: the AssumeRole RPC API (version 2015-04-01) as ali-oss's `STS` class calls it,
// the credentials it issues (kept on disk so they survive a restart), and RAM evaluation of the
// inline session policy (OSS-PROTOCOL.md §5).
//
// Error codes and messages follow what Alibaba's RPC (POP) gateway and STS answer; where that could
// not be confirmed the choice is marked "UNCERTAIN" below.

import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialLookup, CredentialRecord, OssAction, RamPolicy } from './types.js';

export interface StsServiceOptions {
  /** The long-term pairs that may call AssumeRole (and sign OSS requests). */
  rootCredentials: Array<{ accessKeyId: string; accessKeySecret: string }>;
  /** Smallest DurationSeconds accepted (Alibaba: 900). */
  minDurationSeconds?: number;
  /** Largest DurationSeconds accepted (Alibaba: the role's MaxSessionDuration, 3600 by default). */
  maxDurationSeconds?: number;
  /** Folder where issued credentials are kept (`sts.json`); in memory only when absent. */
  dataDir?: string;
  /** Clock in milliseconds since the epoch. */
  now?: () => number;
}

export interface StsRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  url: string;
}

export interface StsResponse {
  status: number;
  body: unknown;
}

/** The RPC error body: what ali-oss's `STS#_requestError` reads (`Code`, `Message`, `RequestId`). */
export interface StsErrorBody {
  RequestId: string;
  HostId: string;
  Code: string;
  Message: string;
  Recommend?: string;
}

export interface AssumeRoleResult {
  RequestId: string;
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
}

/** An issued credential as kept in memory and in `sts.json`. */
interface IssuedRecord extends CredentialRecord {
  securityToken: string;
  expiration: Date;
  roleArn: string;
  roleSessionName: string;
}

interface StoredRecord {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: string;
  roleArn: string;
  roleSessionName: string;
  policy?: RamPolicy;
}

const API_VERSION = '2015-04-01';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_POLICY_CHARS = 2048;
/** Issued credentials expired for longer than this are dropped when the next one is issued. */
const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;
const STORE_FILE = 'sts.json';

/** An RPC error: HTTP status, Code and Message (what `handle` answers with; `validatePolicy` throws it). */
export class StsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'StsError';
  }
}

const rpcErrors = {
  missing: (name: string) => new StsError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  // UNCERTAIN: the POP gateway's answer to an unknown Action is 404 InvalidAction.NotFound for the
  // APIs we could check; STS is assumed to answer the same.
  noSuchAction: () => new StsError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  // UNCERTAIN: wording for an unsupported Version / SignatureMethod / SignatureVersion.
  invalidVersion: () => new StsError(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  unsupportedSignatureMethod: (name: string) =>
    new StsError(400, 'InvalidParameter', `Specified parameter ${name} is not valid.`),
  timestampFormat: () => new StsError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => new StsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  accessKeyNotFound: () => new StsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  signatureMismatch: (stringToSign: string) =>
    new StsError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`),
  nonceUsed: () => new StsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  // A temporary AccessKey without its token: what Alibaba answers when AssumeRole is called with STS credentials.
  missingSecurityToken: () => new StsError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'),
  // UNCERTAIN: codes for a bad / expired token on an RPC call (status 400 assumed).
  tokenMismatch: () => new StsError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  tokenExpired: () => new StsError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  // Role chaining is not emulated: only the long-term pairs may assume the role.
  noPermission: () => new StsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  badRoleArn: () => new StsError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  badSessionName: () => new StsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  badDuration: (min: number, max: number) =>
    new StsError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is ${describeSeconds(min)}/${describeSeconds(max)}.`),
  policySize: () => new StsError(400, 'InvalidParameter.PolicySize', `The size of Policy must be smaller than ${MAX_POLICY_CHARS} characters.`),
  policyGrammar: (detail: string) =>
    new StsError(400, 'InvalidParameter.PolicyGrammar', `The parameter Policy has not passed grammar check. ${detail}`),
};

function describeSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600}hr`;
  if (s % 60 === 0) return `${s / 60}min`;
  return `${s}s`;
}

/**
 * Alibaba's RPC percent-encoding: RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`) stay,
 * everything else is `%XX` of its UTF-8 bytes (so space is `%20`, `*` is `%2A`, `~` stays).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `METHOD&%2F&percentEncode(sorted canonical query)` over every parameter but `Signature`. */
export function rpcStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const pairs = [...params.entries()]
    .filter(([k]) => k !== 'Signature')
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** Base64 HMAC-SHA1 of the string to sign, keyed with `secret + "&"`. */
export function rpcSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The ARN an inline policy's `Resource` names: `acs:oss:*:*:<bucket>` or `acs:oss:*:*:<bucket>/<key>`. */
export function resourceArn(bucket: string, key?: string): string {
  return key === undefined ? `acs:oss:*:*:${bucket}` : `acs:oss:*:*:${bucket}/${key}`;
}

const STATEMENT_KEYS = new Set(['Effect', 'Action', 'Resource', 'Sid']);
const ACTION_PATTERN = /^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;

/**
 * Parses and checks an inline session policy (RAM grammar, Version "1"): throws
 * `InvalidParameter.PolicyGrammar` (as an StsError) when it is not one. `Condition`, `NotAction`,
 * `NotResource` and `Principal` are refused rather than ignored: the emulator cannot evaluate them,
 * and ignoring them would grant or deny what the cloud would not.
 */
export function validatePolicy(text: string): RamPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw rpcErrors.policyGrammar(`Policy is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw rpcErrors.policyGrammar('Policy must be a JSON object.');
  for (const k of Object.keys(doc)) {
    if (k !== 'Version' && k !== 'Statement') throw rpcErrors.policyGrammar(`Unknown element "${k}".`);
  }
  if (doc['Version'] !== '1') throw rpcErrors.policyGrammar('Version must be "1".');
  const rawStatements = doc['Statement'];
  const list = Array.isArray(rawStatements) ? rawStatements : isObject(rawStatements) ? [rawStatements] : undefined;
  if (!list || list.length === 0) throw rpcErrors.policyGrammar('Statement must be a non-empty array.');
  const statements: RamPolicy['Statement'] = list.map((s, i) => {
    if (!isObject(s)) throw rpcErrors.policyGrammar(`Statement[${i}] must be an object.`);
    for (const k of Object.keys(s)) {
      if (!STATEMENT_KEYS.has(k)) {
        throw rpcErrors.policyGrammar(`Statement[${i}].${k} is not supported by the emulator (only Effect, Action, Resource, Sid).`);
      }
    }
    const effect = s['Effect'];
    if (effect !== 'Allow' && effect !== 'Deny') throw rpcErrors.policyGrammar(`Statement[${i}].Effect must be "Allow" or "Deny".`);
    const action = stringOrList(s['Action']);
    if (!action) throw rpcErrors.policyGrammar(`Statement[${i}].Action must be a non-empty string or array of strings.`);
    for (const a of action) {
      if (!ACTION_PATTERN.test(a)) throw rpcErrors.policyGrammar(`Statement[${i}].Action "${a}" is not of the form "service:Action".`);
    }
    const resource = stringOrList(s['Resource']);
    if (!resource) throw rpcErrors.policyGrammar(`Statement[${i}].Resource must be a non-empty string or array of strings.`);
    for (const r of resource) {
      if (r !== '*' && !/^acs:[^:]*:[^:]*:[^:]*:./.test(r)) {
        throw rpcErrors.policyGrammar(`Statement[${i}].Resource "${r}" is not "*" or an "acs:<service>:<region>:<account>:<resource>" name.`);
      }
    }
    return { Effect: effect, Action: s['Action'] as string | string[], Resource: s['Resource'] as string | string[] };
  });
  return { Version: '1', Statement: statements };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringOrList(v: unknown): string[] | undefined {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  if (!list || list.length === 0 || !list.every((x) => typeof x === 'string' && x.length > 0)) return undefined;
  return list as string[];
}

function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\' + c));
  return new RegExp(`^${body}$`, 's' + flags);
}

/** Actions whose resource is the bucket itself (`acs:oss:*:*:<bucket>`), not an object in it. */
const BUCKET_LEVEL_ACTIONS = new Set(['listobjects', 'listobjectsv2', 'listobjectversions', 'listmultipartuploads']);

function isBucketLevel(actionName: string): boolean {
  const n = actionName.toLowerCase();
  return BUCKET_LEVEL_ACTIONS.has(n) || n.includes('bucket');
}

/** Where a request's region and account are known, their ARN segments must match them; otherwise any value does. */
export interface PolicyContext {
  region?: string;
  accountId?: string;
}

function resourceMatches(pattern: string, bucket: string, object: string | undefined, ctx: PolicyContext): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split(':');
  if (parts.length < 5) return false;
  const [acs, service, region, account] = parts as [string, string, string, string];
  const rest = parts.slice(4).join(':');
  if (acs !== 'acs' || !wildcard(service, 'i').test('oss')) return false;
  if (ctx.region !== undefined && !wildcard(region).test(ctx.region)) return false;
  if (ctx.accountId !== undefined && !wildcard(account).test(ctx.accountId)) return false;
  const target = object === undefined ? bucket : `${bucket}/${object}`;
  return wildcard(rest).test(target);
}

/**
 * RAM evaluation of an inline session policy for one OSS request: no policy allows everything; an
 * explicit Deny that matches wins; otherwise some Allow must match both the action (case-insensitive,
 * `*`/`?` wildcards, `oss:` assumed when the name has no service) and the resource
 * (`acs:oss:<region>:<account>:<bucket>/<key>`, or `…:<bucket>` for bucket-level actions such as
 * ListObjects and ListMultipartUploads; `*`/`?` wildcards, case-sensitive).
 */
export function evaluatePolicy(
  policy: RamPolicy | undefined,
  action: OssAction | string,
  bucket: string,
  key: string,
  context: PolicyContext = {},
): boolean {
  if (!policy) return true;
  const fullAction = action.includes(':') ? action : `oss:${action}`;
  const actionName = fullAction.slice(fullAction.indexOf(':') + 1);
  const object = isBucketLevel(actionName) ? undefined : key;
  const matches = (s: RamPolicy['Statement'][number]) =>
    asList(s.Action).some((a) => wildcard(a, 'i').test(fullAction))
    && asList(s.Resource).some((r) => resourceMatches(r, bucket, object, context));
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

function asList(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      // 248 = 4 * 62: drop the bytes above it so every character is equally likely.
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `YYYY-MM-DDThh:mm:ssZ`, fractional seconds allowed (ali-oss sends `toISOString()`, with milliseconds). */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;
const ROLE_ARN = /^acs:ram::([0-9]+):role\/([A-Za-z0-9.@_-]{1,64})$/;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

/**
 * The emulator's STS. Knows the long-term pairs and the temporary credentials it issued, answers the
 * AssumeRole RPC, and keeps what it issued in `dataDir/sts.json`.
 */
export class StsService implements CredentialLookup {
  readonly minDurationSeconds: number;
  readonly maxDurationSeconds: number;
  private readonly roots = new Map<string, CredentialRecord>();
  private readonly issued = new Map<string, IssuedRecord>();
  private readonly byToken = new Map<string, IssuedRecord>();
  /** `AccessKeyId\nSignatureNonce` → when it may be forgotten (ms). */
  private readonly nonces = new Map<string, number>();
  private readonly dataDir: string | undefined;
  private readonly now: () => number;

  constructor(options: StsServiceOptions) {
    this.minDurationSeconds = options.minDurationSeconds ?? 900;
    this.maxDurationSeconds = options.maxDurationSeconds ?? 3600;
    if (!(this.minDurationSeconds > 0 && this.maxDurationSeconds >= this.minDurationSeconds)) {
      throw new Error(`StsService: need 0 < minDurationSeconds (${this.minDurationSeconds}) <= maxDurationSeconds (${this.maxDurationSeconds})`);
    }
    for (const { accessKeyId, accessKeySecret } of options.rootCredentials) {
      this.roots.set(accessKeyId, { accessKeyId, accessKeySecret });
    }
    this.dataDir = options.dataDir;
    this.now = options.now ?? Date.now;
    this.load();
  }

  lookup(accessKeyId: string): CredentialRecord | undefined {
    const root = this.roots.get(accessKeyId);
    if (root) return { ...root };
    const rec = this.issued.get(accessKeyId);
    return rec ? publicRecord(rec) : undefined;
  }

  findByToken(token: string): CredentialRecord | undefined {
    const rec = this.byToken.get(token);
    return rec ? publicRecord(rec) : undefined;
  }

  /** The AssumeRole RPC endpoint. `body` is the request body (form-encoded for POST). */
  async handle(req: StsRequest, body: Buffer): Promise<StsResponse> {
    const requestId = randomUUID().toUpperCase();
    const hostId = headerValue(req.headers, 'host') ?? 'sts.aliyuncs.com';
    try {
      const result = this.assumeRole(req, body, requestId);
      return { status: 200, body: result };
    } catch (err) {
      const e = err instanceof StsError
        ? err
        : new StsError(500, 'InternalError', `The request processing has failed due to some unknown error, exception or failure. (${(err as Error).message})`);
      const errorBody: StsErrorBody = {
        RequestId: requestId,
        HostId: hostId,
        Code: e.code,
        Message: e.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=Sts&requestId=${requestId}`,
      };
      return { status: e.status, body: errorBody };
    }
  }

  private assumeRole(req: StsRequest, body: Buffer, requestId: string): AssumeRoleResult {
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw rpcErrors.noSuchAction();
    const params = readParams(req, body, method);
    const get = (name: string) => params.get(name);
    const required = (name: string) => {
      const v = params.get(name);
      if (v === undefined || v === '') throw rpcErrors.missing(name);
      return v;
    };

    // Common parameters, then who is calling, then the action's own parameters.
    const action = required('Action');
    if (action !== 'AssumeRole') throw rpcErrors.noSuchAction();
    if (required('Version') !== API_VERSION) throw rpcErrors.invalidVersion();
    const accessKeyId = required('AccessKeyId');
    const signature = required('Signature');
    if (required('SignatureMethod') !== 'HMAC-SHA1') throw rpcErrors.unsupportedSignatureMethod('SignatureMethod');
    if (required('SignatureVersion') !== '1.0') throw rpcErrors.unsupportedSignatureMethod('SignatureVersion');
    const nonce = required('SignatureNonce');
    const timestamp = required('Timestamp');
    const m = TIMESTAMP.exec(timestamp);
    const when = m ? Date.parse(timestamp) : NaN;
    if (!m || Number.isNaN(when)) throw rpcErrors.timestampFormat();
    const now = this.now();
    if (Math.abs(now - when) > MAX_SKEW_MS) throw rpcErrors.timestampExpired();

    const root = this.roots.get(accessKeyId);
    const temp = root ? undefined : this.issued.get(accessKeyId);
    const caller = root ?? temp;
    if (!caller) throw rpcErrors.accessKeyNotFound();
    const stringToSign = rpcStringToSign(method, params);
    if (!safeEqual(rpcSignature(caller.accessKeySecret, stringToSign), signature)) throw rpcErrors.signatureMismatch(stringToSign);
    this.useNonce(accessKeyId, nonce, now);

    if (temp) {
      const token = get('SecurityToken');
      if (token === undefined || token === '') throw rpcErrors.missingSecurityToken();
      if (token !== temp.securityToken) throw rpcErrors.tokenMismatch();
      if (temp.expiration.getTime() <= now) throw rpcErrors.tokenExpired();
      throw rpcErrors.noPermission();
    }

    const roleArn = required('RoleArn');
    const arn = ROLE_ARN.exec(roleArn);
    if (!arn) throw rpcErrors.badRoleArn();
    const roleSessionName = required('RoleSessionName');
    if (!SESSION_NAME.test(roleSessionName)) throw rpcErrors.badSessionName();
    const durationText = get('DurationSeconds');
    const duration = durationText === undefined || durationText === ''
      ? Math.max(this.minDurationSeconds, Math.min(3600, this.maxDurationSeconds))
      : /^[0-9]+$/.test(durationText) ? Number(durationText) : NaN;
    if (!(duration >= this.minDurationSeconds && duration <= this.maxDurationSeconds)) {
      throw rpcErrors.badDuration(this.minDurationSeconds, this.maxDurationSeconds);
    }
    const policyText = get('Policy');
    let policy: RamPolicy | undefined;
    if (policyText !== undefined && policyText !== '') {
      if (policyText.length > MAX_POLICY_CHARS) throw rpcErrors.policySize();
      policy = validatePolicy(policyText);
    }

    const record = this.issue(roleArn, roleSessionName, duration, policy, now);
    const [, accountId, roleName] = arn as unknown as [string, string, string];
    const roleId = roleIdFor(roleArn);
    return {
      RequestId: requestId,
      AssumedRoleUser: {
        Arn: `acs:ram::${accountId}:role/${roleName.toLowerCase()}/${roleSessionName}`,
        AssumedRoleId: `${roleId}:${roleSessionName}`,
      },
      Credentials: {
        AccessKeyId: record.accessKeyId,
        AccessKeySecret: record.accessKeySecret,
        SecurityToken: record.securityToken,
        Expiration: isoSeconds(record.expiration),
      },
    };
  }

  private useNonce(accessKeyId: string, nonce: string, now: number): void {
    for (const [k, until] of this.nonces) if (until <= now) this.nonces.delete(k);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.nonces.has(key)) throw rpcErrors.nonceUsed();
    this.nonces.set(key, now + 2 * MAX_SKEW_MS);
  }

  private issue(roleArn: string, roleSessionName: string, durationSeconds: number, policy: RamPolicy | undefined, now: number): IssuedRecord {
    let accessKeyId: string;
    do accessKeyId = `STS.${randomAlnum(25)}`;
    while (this.issued.has(accessKeyId) || this.roots.has(accessKeyId));
    const record: IssuedRecord = {
      accessKeyId,
      accessKeySecret: randomAlnum(44),
      // Real tokens are long Base64 strings starting with CAIS (and contain + / =).
      securityToken: 'CAIS' + randomBytes(300).toString('base64'),
      // Whole seconds, as the Expiration string says, so the record and the answer agree; rounded up,
      // so the token lives at least the duration asked for (rounded down, a 1 s token lived 0–1000 ms).
      expiration: new Date(Math.ceil((now + durationSeconds * 1000) / 1000) * 1000),
      roleArn,
      roleSessionName,
      ...(policy ? { policy } : {}),
    };
    for (const [id, rec] of this.issued) {
      if (rec.expiration.getTime() + KEEP_EXPIRED_MS < now) this.forget(id, rec);
    }
    this.remember(record);
    this.save();
    return record;
  }

  private remember(rec: IssuedRecord): void {
    this.issued.set(rec.accessKeyId, rec);
    this.byToken.set(rec.securityToken, rec);
  }

  private forget(id: string, rec: IssuedRecord): void {
    this.issued.delete(id);
    this.byToken.delete(rec.securityToken);
  }

  private load(): void {
    if (!this.dataDir) return;
    const file = join(this.dataDir, STORE_FILE);
    if (!existsSync(file)) return;
    let stored: { credentials?: StoredRecord[] };
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as { credentials?: StoredRecord[] };
    } catch (err) {
      throw new Error(`StsService: cannot read ${file}: ${(err as Error).message}`);
    }
    for (const s of stored.credentials ?? []) {
      this.remember({
        accessKeyId: s.accessKeyId,
        accessKeySecret: s.accessKeySecret,
        securityToken: s.securityToken,
        expiration: new Date(s.expiration),
        roleArn: s.roleArn,
        roleSessionName: s.roleSessionName,
        ...(s.policy ? { policy: s.policy } : {}),
      });
    }
  }

  private save(): void {
    if (!this.dataDir) return;
    mkdirSync(this.dataDir, { recursive: true });
    const credentials: StoredRecord[] = [...this.issued.values()].map((r) => ({
      accessKeyId: r.accessKeyId,
      accessKeySecret: r.accessKeySecret,
      securityToken: r.securityToken,
      expiration: r.expiration.toISOString(),
      roleArn: r.roleArn,
      roleSessionName: r.roleSessionName,
      ...(r.policy ? { policy: r.policy } : {}),
    }));
    const file = join(this.dataDir, STORE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, credentials }, null, 2) + '\n');
    renameSync(tmp, file);
  }
}

function publicRecord(rec: IssuedRecord): CredentialRecord {
  return {
    accessKeyId: rec.accessKeyId,
    accessKeySecret: rec.accessKeySecret,
    securityToken: rec.securityToken,
    expiration: new Date(rec.expiration.getTime()),
    ...(rec.policy ? { policy: rec.policy } : {}),
  };
}

/** A stable 17-digit role id for an ARN (real ids are numeric too). */
function roleIdFor(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 17n).toString().padStart(17, '3');
}

function headerValue(headers: StsRequest['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The RPC parameters: the query string, plus a form-encoded POST body (the body wins on a clash). */
function readParams(req: StsRequest, body: Buffer, method: string): Map<string, string> {
  const params = new Map<string, string>();
  const url = new URL(req.url, 'http://sts.invalid');
  for (const [k, v] of url.searchParams) params.set(k, v);
  if (method === 'POST' && body.length > 0) {
    const type = (headerValue(req.headers, 'content-type') ?? '').toLowerCase();
    if (type === '' || type.includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    }
  }
  return params;
}

// PostObject (browser form upload), checked the way OSS checks it: multipart shape, the V1/V4
// signature over the policy, the policy's conditions, STS tokens and session policy, then the file
// streamed into the store with content-length-range enforced while it arrives. OSS-PROTOCOL.md §4.
import type { CallbackSystemVars as CallbackSystem } from './callback.js';
import type { IncomingHttpHeaders } from 'node:http';
import { finished, PassThrough, Readable } from 'node:stream';
import busboy from 'busboy';
import {
  V4_ALGORITHM, decodeBase64Utf8, encodeKeyPath, parseV4Credential, postSignatureV1, postSignatureV4, v4Region,
} from '../signing/index.js';
import { errors, OssError, xmlElements } from './errors.js';
import { checkObjectName } from './object-keys.js';
import type { CredentialLookup, CredentialRecord, ObjectMeta, PutOptions } from './types.js';
import type { ObjectStore } from './store.js';

/** What a callback service offers PostObject (structurally `CallbackService`; tests may stub it). */
export interface PostCallbacks {
  /** Validates the Base64 `callback` field with the `x:` fields (names lower-cased); throws 400 OssError. */
  parse(callbackB64: string, vars: Record<string, string> | undefined): unknown;
  /** Calls the app server; resolves to its JSON answer or a 203 CallbackFailed OssError. */
  run(parsed: unknown, system: CallbackSystem): Promise<{ status: 200; body: Buffer; contentType: string } | OssError>;
}
export type { CallbackSystemVars as CallbackSystem } from './callback.js';

export interface PostObjectContext {
  bucket: string;
  region: string;
  store: ObjectStore;
  credentials: CredentialLookup;
  /** ms since the epoch */
  now: () => number;
  /** e.g. http://127.0.0.1:9000/demo — for <Location> */
  bucketUrl: string;
  /** STS inline policy (long-term credentials: always true). */
  authorize: (record: CredentialRecord, action: 'oss:PutObject', bucket: string, key: string) => boolean;
  callbacks?: PostCallbacks;
  /** Told the object key once the form gives it (as sent, then with `${filename}` replaced), for the request log. */
  onKey?: (key: string) => void;
}

export interface PostObjectResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Set only for 203 CallbackFailed: the object is stored and ETag etc. must still go out. */
  error?: OssError;
}

export const MAX_POST_OBJECT_SIZE = 5 * 1024 ** 3;
/** Per-field limits of the 2021 PostObject page (an older rule said 4 KB for every field but `file`). */
export const MAX_FIELD_VALUE = 2 * 1024 * 1024;
export const MAX_FIELD_NAME = 8 * 1024;
/**
 * OSS refuses a form whose field values before `file` exceed 8 MB in total (error-centre code
 * 0006-00000112: help.aliyun.com/document_detail/480036.html, alibabacloud.com/help/en/oss/user-guide/0006-00000112).
 */
export const MAX_FORM_BEFORE_FILE = 8 * 1024 * 1024;
/** Parts a form may have: the emulator's bound (OSS documents none), which also bounds the names kept (8 KB each). */
export const MAX_FORM_PARTS = 1000;
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_V4_VALIDITY_MS = 7 * 24 * 3600 * 1000;
/** Fields the emulator wants a V4 policy to pin with exact-match conditions (ali-oss's reference code does). */
const V4_PINNED = ['x-oss-credential', 'x-oss-date', 'x-oss-signature-version'] as const;

// ---- errors specific to PostObject ----

/** Error-centre codes OSS-PROTOCOL.md does not give; only the documented ones are filled in. */
const UNKNOWN_EC = '0000-00000000';

const malformedPost = () =>
  new OssError(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
const notMultipart = (contentType: string) =>
  new OssError(400, 'RequestIsNotMultiPartContent', 'Bucket POST must be of the enclosure-type multipart/form-data.', { ContentType: contentType }, UNKNOWN_EC);
const wrongFileCount = () =>
  new OssError(400, 'IncorrectNumberOfFilesInPOSTRequest', 'POST requires exactly one file upload per request.');
const fieldTooLong = (name: string) =>
  new OssError(400, 'FieldItemTooLong', 'Your form field is too long: names may have 8 KB and values 2 MB.', { FieldName: name.slice(0, 256) }, UNKNOWN_EC);
// The error-centre code is OSS's; the Code is not on its page (UNCERTAIN): S3's name for the same rule, POST in capitals as OSS writes it.
const preDataTooLarge = () =>
  new OssError(400, 'MaxPOSTPreDataLengthExceeded', 'Your POST request fields preceding the upload file were too large.',
    { MaxPOSTPreDataLengthBytes: String(MAX_FORM_BEFORE_FILE) }, '0006-00000112');
const invalidPolicy = (message: string, ec = UNKNOWN_EC) =>
  new OssError(400, 'InvalidPolicyDocument', message, {}, ec);
const policyFailed = (message: string) => errors.accessDenied(`Invalid according to Policy: ${message}`);
const missingField = (name: string) =>
  errors.invalidArgument(`The bucket POST must contain the specified '${name}'. If it is specified, please check the order of the fields`, name, '');

// ---- the form ----

interface FilePart {
  stream: Readable;
  filename: string;
  /** The part's own Content-Type; undefined for a `file` part that came as a plain text field. */
  mimeType?: string;
}

/**
 * Reads the multipart body with busboy: collects the fields before `file` (case-insensitive names,
 * first occurrence wins), hands over the file stream unread, ignores fields after it, counts extra
 * files, and drains whatever is left when the request is rejected.
 */
class PostForm {
  readonly fields = new Map<string, string>();
  /** The first parse error (malformed body, over-long field), or the abort. */
  error: OssError | undefined;
  aborted = false;
  #extraFiles = 0;
  #fileSeen = false;
  #discarding = false;
  /** Bytes of the values before `file`. */
  #preFile = 0;
  #pending: Promise<void>[] = [];
  readonly #body: Readable;
  readonly #onKey: ((key: string) => void) | undefined;
  readonly #bb: busboy.Busboy;
  readonly #file: Promise<FilePart>;
  #resolveFile!: (f: FilePart) => void;
  #rejectFile!: (e: OssError) => void;
  readonly #parsed: Promise<void>;
  readonly #bodyDone: Promise<void>;

  constructor(headers: IncomingHttpHeaders, body: Readable, onKey?: (key: string) => void) {
    this.#body = body;
    this.#onKey = onKey;
    this.#file = new Promise((resolve, reject) => {
      this.#resolveFile = resolve;
      this.#rejectFile = reject;
    });
    this.#file.catch(() => {});
    // Throws on a missing boundary: the caller maps that to MalformedPOSTRequest.
    this.#bb = busboy({
      headers,
      // +1: busboy marks a value truncated once it reaches the limit, and exactly 2 MB is allowed.
      limits: { fieldSize: MAX_FIELD_VALUE + 1, parts: MAX_FORM_PARTS },
      defParamCharset: 'utf8',
    });
    const bb = this.#bb;

    bb.on('field', (name, value, info) => {
      if (this.#fileSeen || this.error) {
        if (this.#fileSeen && name.toLowerCase() === 'file') this.#extraFiles++;
        return;
      }
      if (Buffer.byteLength(name) > MAX_FIELD_NAME || info.valueTruncated) return this.#fail(fieldTooLong(name));
      // `formData.append('file', 'text')` sends no filename: busboy calls that a field, OSS a file.
      if (name.toLowerCase() === 'file') return this.#onFile({ stream: Readable.from([Buffer.from(value, 'utf8')]), filename: '' });
      if (this.#spend(Buffer.byteLength(value))) this.#add(name, value);
    });

    bb.on('file', (name, stream, info) => {
      stream.on('error', () => {}); // errors reach us through busboy's 'error' and the store's pipeline
      if (this.#fileSeen || this.error) {
        if (name.toLowerCase() === 'file' && !this.error) this.#extraFiles++;
        stream.resume();
        return;
      }
      if (name.toLowerCase() === 'file') return this.#onFile({ stream, filename: info.filename ?? '', mimeType: info.mimeType });
      // A Blob under another name is just a field whose value happens to have a filename.
      this.#pending.push(this.#readAsField(name, stream));
    });

    bb.on('partsLimit', () => {
      if (!this.#fileSeen) this.#fail(preDataTooLarge());
    });

    this.#parsed = new Promise<void>((resolve) => {
      bb.on('error', () => {
        if (!this.#discarding) this.#fail(malformedPost());
        resolve();
      });
      bb.on('close', () => resolve());
    }).then(() => {
      if (!this.#fileSeen) this.#fail(wrongFileCount());
    });

    this.#bodyDone = new Promise<void>((resolve) => {
      finished(body, (err) => {
        if (err) {
          // Client went away or the body was cut: busboy gets no end, so stop it here.
          this.aborted = true;
          this.#fail(malformedPost());
          bb.destroy(new Error('request body ended early'));
        }
        resolve();
      });
    });
    body.pipe(bb);
  }

  /** Counts bytes before `file` against the form's budget; false (and the form failed) once it is spent. */
  #spend(bytes: number): boolean {
    this.#preFile += bytes;
    if (this.#preFile <= MAX_FORM_BEFORE_FILE) return true;
    this.#fail(preDataTooLarge());
    return false;
  }

  #add(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (this.fields.has(lower)) return;
    this.fields.set(lower, value);
    if (lower === 'key') this.#onKey?.(value);
  }

  /** Collects a Blob-valued field; never destroys busboy's stream (busboy would wait for it forever). */
  #readAsField(name: string, stream: Readable): Promise<void> {
    return new Promise<void>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = Buffer.byteLength(name) > MAX_FIELD_NAME;
      let spent = false;
      stream.on('data', (chunk: Buffer) => {
        if (over || spent) return;
        size += chunk.length;
        if (size > MAX_FIELD_VALUE) over = true;
        else if (!this.#spend(chunk.length)) spent = true;
        else chunks.push(chunk);
      });
      stream.on('end', () => {
        if (over) this.#fail(fieldTooLong(name));
        else if (!spent) this.#add(name, Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
      // Destroyed (the request broke off): the form's error says so.
      stream.on('close', () => resolve());
    });
  }

  #onFile(file: FilePart): void {
    this.#fileSeen = true;
    // Blob-valued fields before `file` are still being read: wait for them so they count as "before".
    void Promise.all(this.#pending).then(() => {
      if (this.error) {
        file.stream.resume();
        this.#rejectFile(this.error);
      } else {
        this.#resolveFile(file);
      }
    });
  }

  #fail(err: OssError): void {
    if (this.error) return;
    this.error = err;
    this.#rejectFile(err);
  }

  /** The `file` part, once every field before it is known. Rejects with the form's error. */
  file(): Promise<FilePart> {
    return this.#file;
  }

  /** Resolves when the whole form has been parsed; rejects if it was malformed or had a second file. */
  async complete(): Promise<void> {
    await this.#parsed;
    await Promise.all(this.#pending);
    if (this.error) throw this.error;
    if (this.#extraFiles > 0) throw wrongFileCount();
  }

  /** Stops parsing and drains the rest of the request, so the error response can be read by the client. */
  async discard(): Promise<void> {
    if (!this.#discarding) {
      this.#discarding = true;
      this.#body.unpipe(this.#bb);
      this.#bb.destroy();
      this.#body.resume();
    }
    await this.#bodyDone;
  }
}

// ---- policy ----

type Condition =
  | { op: 'eq' | 'starts-with'; field: string; value: string; source: unknown }
  | { op: 'in' | 'not-in'; field: string; values: string[]; source: unknown }
  | { op: 'content-length-range'; min: number; max: number; source: unknown };

interface Policy {
  expiration: number;
  conditions: Condition[];
}

/** JSON with ", " and ": " separators: how OSS quotes a condition in its error message. */
function conditionText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(conditionText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${conditionText(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

const ISO_EXTENDED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function fieldRef(value: unknown, source: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('$') || value.length < 2) {
    throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(source)}: the field must be given as "$name".`);
  }
  return value.slice(1).toLowerCase();
}

function parsePolicy(policyField: string): Policy {
  let doc: unknown;
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(policyField)) throw new Error('not Base64');
    doc = JSON.parse(decodeBase64Utf8(policyField));
  } catch (err) {
    throw invalidPolicy(`Invalid Policy: Invalid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidPolicy('Invalid Policy: Invalid JSON: the policy is not a JSON object.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalidPolicy('Invalid Policy: Policy missing expiration.');
  if (typeof expiration !== 'string' || !ISO_EXTENDED.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicy(`Invalid Policy: Invalid 'expiration' value: ${conditionText(expiration)}`);
  }
  if (conditions === undefined) throw invalidPolicy('Invalid Policy: Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid Policy: 'conditions' must be an array.");
  return { expiration: Date.parse(expiration), conditions: conditions.map(parseCondition) };
}

function parseCondition(c: unknown): Condition {
  if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
    const entries = Object.entries(c);
    if (entries.length !== 1) {
      throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    }
    const [field, value] = entries[0]!;
    if (typeof value !== 'string') throw invalidPolicy(`Invalid Simple-Condition: ${conditionText(c)}: the value must be a string.`);
    return { op: 'eq', field: field.toLowerCase(), value, source: c };
  }
  if (!Array.isArray(c) || c.length === 0) throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(c)}`);
  const [op, a, b] = c as unknown[];
  const arity = () => {
    if (c.length !== 3) throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(c)}: expected 3 elements.`);
  };
  switch (op) {
    case 'eq':
    case 'starts-with': {
      arity();
      const field = fieldRef(a, c);
      if (typeof b !== 'string') throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(c)}: the value must be a string.`);
      return { op, field, value: b, source: c };
    }
    case 'in':
    case 'not-in': {
      arity();
      const field = fieldRef(a, c);
      if (!Array.isArray(b) || !b.every((v) => typeof v === 'string')) {
        throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(c)}: the values must be an array of strings.`);
      }
      return { op, field, values: b as string[], source: c };
    }
    case 'content-length-range': {
      arity();
      const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
      if (!ok(a) || !ok(b)) {
        throw invalidPolicy(`Invalid Policy: Invalid content-length-range: ${conditionText(c)}: min and max must be non-negative integers.`, '0006-00000219');
      }
      if (b < a) throw invalidPolicy(`Invalid Policy: Invalid content-length-range: ${conditionText(c)}: max is smaller than min.`, '0006-00000221');
      return { op, min: a, max: b, source: c };
    }
    default:
      throw invalidPolicy(`Invalid Policy: Invalid Condition: ${conditionText(c)}: unknown match mode ${conditionText(op)}.`, '0006-00000217');
  }
}

function matches(c: Exclude<Condition, { op: 'content-length-range' }>, value: string): boolean {
  switch (c.op) {
    case 'eq': return value === c.value;
    case 'starts-with': return value.startsWith(c.value);
    case 'in': return c.values.includes(value);
    case 'not-in': return !c.values.includes(value);
  }
}

/** Checks every condition except content-length-range (which needs the file). `form` keys are lower-case. */
function checkConditions(policy: Policy, form: ReadonlyMap<string, string>, bucket: string): void {
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') continue;
    const value = c.field === 'bucket' ? bucket : form.get(c.field);
    if (value === undefined || !matches(c, value)) throw policyFailed(`Policy Condition failed: ${conditionText(c.source)}`);
  }
}

// ---- authentication ----

function parseIsoBasic(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(t).getUTCDate() === d ? t : undefined;
}

function signatureMismatch(accessKeyId: string, provided: string, stringToSign: string, ec: string): OssError {
  return new OssError(403, 'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { OSSAccessKeyId: accessKeyId, SignatureProvided: provided, StringToSign: stringToSign }, ec);
}

/** STS rules: a temporary AK needs its own token; a long-term AK must not carry one. */
function checkToken(record: CredentialRecord, token: string | undefined, ctx: PostObjectContext): void {
  if (record.securityToken === undefined) {
    if (token) throw errors.invalidSecurityToken();
    return;
  }
  if (!token) throw errors.invalidAccessKeyId(record.accessKeyId);
  if (token !== record.securityToken) throw ctx.credentials.findByToken(token) ? errors.tokenNotMatch() : errors.invalidSecurityToken();
  if (record.expiration && record.expiration.getTime() <= ctx.now()) throw errors.securityTokenExpired();
}

function lookup(accessKeyId: string, ctx: PostObjectContext): CredentialRecord {
  const record = ctx.credentials.lookup(accessKeyId);
  if (!record) throw errors.invalidAccessKeyId(accessKeyId);
  return record;
}

/** Verifies the form's signature (V1 trio or V4 fields); returns the credential and the policy field it signed. */
async function authenticate(form: ReadonlyMap<string, string>, ctx: PostObjectContext): Promise<{ record: CredentialRecord; policyField: string; v4: boolean }> {
  const get = (name: string) => form.get(name);
  const token = get('x-oss-security-token');
  const v4 = get('x-oss-signature-version') !== undefined || get('x-oss-credential') !== undefined || get('x-oss-signature') !== undefined;

  if (v4) {
    const version = get('x-oss-signature-version');
    if (version === undefined) throw missingField('x-oss-signature-version');
    if (version !== V4_ALGORITHM) throw errors.invalidArgument(`Unsupported signature version '${version}'.`, 'x-oss-signature-version', version);
    for (const name of ['x-oss-credential', 'x-oss-date', 'x-oss-signature', 'policy']) if (get(name) === undefined) throw missingField(name);
    const credentialText = get('x-oss-credential')!;
    const credential = parseV4Credential(credentialText);
    if (!credential) throw errors.invalidArgument('Invalid credential in post request: it must be AccessKeyId/YYYYMMDD/region/oss/aliyun_v4_request.', 'x-oss-credential', credentialText);
    const isoDate = get('x-oss-date')!;
    const date = parseIsoBasic(isoDate);
    if (date === undefined) throw errors.invalidArgument('x-oss-date must be in the format YYYYMMDDTHHMMSSZ.', 'x-oss-date', isoDate);
    const record = lookup(credential.accessKeyId, ctx);
    checkToken(record, token, ctx);
    if (v4Region(credential.region) !== v4Region(ctx.region)) {
      throw errors.invalidArgument('Invalid signing region in x-oss-credential.', 'x-oss-credential', credentialText);
    }
    if (isoDate.slice(0, 8) !== credential.date) throw errors.invalidArgument('Invalid signing date in x-oss-credential.', 'x-oss-credential', credentialText);
    const now = ctx.now();
    if (date - now > MAX_SKEW_MS) {
      throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
        RequestTime: new Date(date).toISOString(), ServerTime: new Date(now).toISOString(), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      }, '0002-00000504');
    }
    if (now - date > MAX_V4_VALIDITY_MS) {
      throw errors.accessDenied('Request has expired.', { Expires: new Date(date + MAX_V4_VALIDITY_MS).toISOString(), ServerTime: new Date(now).toISOString() });
    }
    const policyField = get('policy')!;
    const provided = get('x-oss-signature')!;
    if ((await postSignatureV4(record.accessKeySecret, credential.date, credential.region, policyField)) !== provided) {
      throw signatureMismatch(credential.accessKeyId, provided, policyField, '0002-00000228');
    }
    return { record, policyField, v4: true };
  }

  const trio = ['ossaccesskeyid', 'policy', 'signature'] as const;
  if (trio.every((n) => get(n) === undefined)) {
    throw errors.accessDenied('You have no right to access this object because of bucket acl.');
  }
  const names = { ossaccesskeyid: 'OSSAccessKeyId', policy: 'policy', signature: 'Signature' };
  for (const n of trio) if (get(n) === undefined) throw missingField(names[n]);
  const accessKeyId = get('ossaccesskeyid')!;
  const record = lookup(accessKeyId, ctx);
  checkToken(record, token, ctx);
  const policyField = get('policy')!;
  const provided = get('signature')!;
  if ((await postSignatureV1(record.accessKeySecret, policyField)) !== provided) {
    throw signatureMismatch(accessKeyId, provided, policyField, '0002-00000040');
  }
  return { record, policyField, v4: false };
}

// ---- the handler ----

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function drain(body: Readable): Promise<void> {
  await new Promise<void>((resolve) => {
    finished(body, () => resolve());
    body.resume();
  });
}

interface Plan {
  key: string;
  opts: PutOptions;
  minSize: number;
  maxSize: number;
  callback?: unknown;
  status: string | undefined;
  redirect: string | undefined;
}

/** Everything OSS checks once the fields before `file` are known; throws OssError. */
async function plan(form: ReadonlyMap<string, string>, file: FilePart, headers: IncomingHttpHeaders, ctx: PostObjectContext): Promise<Plan> {
  const rawKey = form.get('key');
  if (rawKey === undefined) throw missingField('key');

  const { record, policyField, v4 } = await authenticate(form, ctx);
  const policy = parsePolicy(policyField);
  if (policy.expiration <= ctx.now()) throw policyFailed('Policy expired.');
  if (v4) {
    const pinned: string[] = [...V4_PINNED];
    if (form.get('x-oss-security-token') !== undefined) pinned.push('x-oss-security-token');
    for (const name of pinned) {
      if (!policy.conditions.some((c) => c.op === 'eq' && c.field === name)) {
        throw policyFailed(`Policy must contain an exact-match condition for ${name} equal to the form's (emulator rule: OSS requires the policy's x-oss-date to equal the form's, and ali-oss pins all of these).`);
      }
    }
  }
  checkConditions(policy, form, ctx.bucket);

  // Conditions saw the key as sent; ${filename} is substituted only now.
  const key = rawKey.split('${filename}').join(file.filename);
  if (key !== rawKey) ctx.onKey?.(key);
  if (key === '') throw errors.invalidArgument('The object key is empty after ${filename} was substituted.', 'key', rawKey);
  checkObjectName(key);
  if (!ctx.authorize(record, 'oss:PutObject', ctx.bucket, key)) {
    throw errors.accessDenied('You have no right to access this object because of the policy of your security token.', {
      Action: 'oss:PutObject', Resource: `acs:oss:*:*:${ctx.bucket}/${key}`,
    });
  }

  let callback: unknown;
  const callbackField = form.get('callback');
  if (callbackField !== undefined) {
    if (!ctx.callbacks) throw errors.notImplemented('callback');
    const vars: Record<string, string> = {};
    for (const [name, value] of form) if (name.startsWith('x:')) vars[name] = value;
    callback = ctx.callbacks.parse(callbackField, Object.keys(vars).length ? vars : undefined);
  }

  let minSize = 0;
  let maxSize = MAX_POST_OBJECT_SIZE;
  for (const c of policy.conditions) {
    if (c.op !== 'content-length-range') continue;
    minSize = Math.max(minSize, c.min);
    maxSize = Math.min(maxSize, c.max);
  }

  const userMeta: Record<string, string> = {};
  const stored: Record<string, string> = {};
  for (const [name, value] of form) {
    if (name.startsWith('x-oss-meta-')) userMeta[name] = value;
    else if (name === 'cache-control' || name === 'content-disposition' || name === 'content-encoding' || name === 'expires') stored[name] = value;
  }
  const contentMd5 = single(headers['content-md5']);
  return {
    key,
    minSize,
    maxSize,
    callback,
    status: form.get('success_action_status'),
    redirect: form.get('success_action_redirect') || undefined,
    opts: {
      // x-oss-content-type > the file part's own type (browsers always send one) > the Content-Type field.
      contentType: form.get('x-oss-content-type') || file.mimeType || form.get('content-type') || undefined,
      userMeta,
      headers: stored,
      forbidOverwrite: form.get('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
      ...(contentMd5 !== undefined ? { contentMd5 } : {}),
    },
  };
}

/**
 * Handles `POST /` on a bucket. Resolves with the success response (or a 203 CallbackFailed in
 * `error`); throws OssError for every other failure, after the request body has been drained.
 */
export async function handlePostObject(headers: IncomingHttpHeaders, body: Readable, ctx: PostObjectContext): Promise<PostObjectResponse> {
  const contentType = single(headers['content-type']) ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) {
    await drain(body);
    throw notMultipart(contentType);
  }
  let form: PostForm;
  try {
    form = new PostForm(headers, body, ctx.onKey);
  } catch {
    await drain(body);
    throw malformedPost();
  }

  let meta: ObjectMeta;
  let p: Plan;
  try {
    const file = await form.file();
    p = await plan(form.fields, file, headers, ctx);
    if (form.error) throw form.error;
    if (file.stream.destroyed) throw malformedPost();
    // The file goes through a PassThrough so the store's pipeline, on failure, destroys that and
    // not busboy's stream: busboy would otherwise wait for it forever.
    const pass = new PassThrough();
    file.stream.on('error', (err) => pass.destroy(err));
    file.stream.pipe(pass);
    try {
      meta = await ctx.store.put(ctx.bucket, p.key, pass, {
        ...p.opts,
        maxSize: p.maxSize,
        tooLarge: () => errors.entityTooLarge(),
        beforeCommit: async (m) => {
          if (m.size < p.minSize) {
            const small = errors.entityTooSmall();
            throw new OssError(small.status, small.code, small.message, { MinSizeAllowed: String(p.minSize), ProposedSize: String(m.size) }, small.ec);
          }
          // Nothing becomes visible until the whole form is in: a second file or a broken tail rejects it.
          await form.complete();
        },
      });
    } catch (err) {
      file.stream.unpipe(pass);
      file.stream.resume();
      throw err;
    }
  } catch (err) {
    await form.discard();
    if (form.aborted) throw malformedPost();
    if (err instanceof OssError) throw err;
    // Anything else (a stream torn down by a broken body) is the form's fault if the form failed.
    throw form.error ?? err;
  }

  const responseHeaders: Record<string, string> = { ETag: meta.etag, 'x-oss-hash-crc64ecma': meta.crc64 };
  if (p.callback !== undefined && ctx.callbacks) {
    const result = await ctx.callbacks.run(p.callback, {
      bucket: ctx.bucket, object: meta.key, etag: meta.etag, size: meta.size, mimeType: meta.contentType,
      crc64: meta.crc64, contentMd5: Buffer.from(meta.etag.replace(/"/g, ''), 'hex').toString('base64'), operation: 'PostObject',
    });
    if (result instanceof OssError) return { status: result.status, headers: responseHeaders, error: result };
    return { status: 200, headers: { ...responseHeaders, 'Content-Type': result.contentType }, body: result.body };
  }
  if (p.redirect !== undefined) {
    // OSS does not document the redirect; this is S3's shape: 303 with bucket, key and etag appended.
    const q = new URLSearchParams({ bucket: ctx.bucket, key: meta.key, etag: meta.etag });
    const sep = p.redirect.includes('?') ? '&' : '?';
    return { status: 303, headers: { ...responseHeaders, Location: `${p.redirect}${sep}${q.toString()}` } };
  }
  if (p.status === '200') return { status: 200, headers: responseHeaders };
  if (p.status === '201') {
    const location = `${ctx.bucketUrl}/${encodeKeyPath(meta.key)}`;
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
      + xmlElements({ Bucket: ctx.bucket, Location: location, Key: meta.key, ETag: meta.etag })
      + '</PostResponse>\n';
    return { status: 201, headers: { ...responseHeaders, 'Content-Type': 'application/xml' }, body: xml };
  }
  return { status: 204, headers: responseHeaders };
}

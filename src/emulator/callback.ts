// Upload callback (OSS-PROTOCOL.md §6): parse and validate the `callback` / `callback-var`
// parameters like OSS does, then POST the substituted body to the app server with OSS's
// RSA-MD5 signature, and turn the app's answer into the 200 JSON body or a 203 CallbackFailed.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { OssError, errors } from './errors.js';

export type CallbackBodyType = 'application/x-www-form-urlencoded' | 'application/json';

/** A validated callback: what `run` needs. */
export interface ParsedCallback {
  /** 1–5 URLs, tried in order; scheme-less entries were given `http://`. */
  urls: URL[];
  /** `callbackHost`, when given (sent as the Host header instead of the URL's host). */
  host?: string;
  /** The `callbackBody` template, unsubstituted. */
  body: string;
  bodyType: CallbackBodyType;
  /** `callbackSNI`, when given. */
  sni?: boolean;
  /** Custom variables, keys with their `x:` prefix. */
  vars: Record<string, string>;
}

export interface CallbackSystemVars {
  bucket: string;
  object: string;
  /** With or without the surrounding quotes; OSS puts it in the body without them. */
  etag: string;
  size: number;
  mimeType: string;
  /** Further system variables (`crc64`, `contentMd5`, `clientIp`, `reqId`, `operation`, `imageInfo.*` …). */
  [extra: string]: string | number;
}

export interface CallbackServiceOptions {
  /** Time the app server gets to answer, for all URLs together (OSS: 5 s). */
  timeoutMs?: number;
  /** Where the emulator serves `publicKeyPem`; sent Base64-encoded as `x-oss-pub-key-url`. */
  publicKeyUrl: string;
  /** When given, the key pair is kept in `dataDir/callback-key.pem` and reused across restarts. */
  dataDir?: string;
  /** Refuse loopback/private callback hosts like production OSS does (default false: apps on localhost must work). */
  refusePrivateAddresses?: boolean;
}

export type CallbackResult = { status: 200; body: Buffer; contentType: string };

/** Limit on the Base64 `callback` and `callback-var` values (OSS: 5 KB). */
export const MAX_CALLBACK_PARAM_LENGTH = 5 * 1024;
/** Largest app-server answer OSS relays (203 page: 1 MB; the parameter table says 3 MB). */
export const MAX_CALLBACK_RESPONSE = 1024 * 1024;
const MAX_URLS = 5;
const KEY_FILE = 'callback-key.pem';

const FORM: CallbackBodyType = 'application/x-www-form-urlencoded';
const JSON_TYPE: CallbackBodyType = 'application/json';

const MSG_NOT_JSON = 'The callback configuration is not json format.';
const MSG_TOO_LONG_TIME = 'Cost too long time';
const MSG_BAD_JSON_RESPONSE = 'Response body is not valid json format.';
const MSG_CANNOT_CONNECT = 'Error Status : -1.OSS can not connect to your callbackUrl, please check it.';
const MSG_NO_LENGTH = 'Error Status : 400.User server missing content-length.';
const MSG_TOO_LONG_LENGTH = 'Error Status : 400.User server return too long content-length value.';

const callbackFailed = (message: string) => new OssError(203, 'CallbackFailed', message);

export class CallbackService {
  readonly timeoutMs: number;
  readonly publicKeyUrl: string;
  readonly dataDir: string | undefined;
  readonly refusePrivateAddresses: boolean;
  private keys: { privateKey: KeyObject; publicKeyPem: string } | undefined;

  constructor(options: CallbackServiceOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.publicKeyUrl = options.publicKeyUrl;
    this.dataDir = options.dataDir;
    this.refusePrivateAddresses = options.refusePrivateAddresses ?? false;
  }

  /** The public half of the signing key, SPKI PEM (what OSS publishes at gosspublic.alicdn.com). */
  get publicKeyPem(): string {
    return this.keyPair().publicKeyPem;
  }

  private keyPair(): { privateKey: KeyObject; publicKeyPem: string } {
    if (!this.keys) {
      const privateKey = this.dataDir !== undefined ? loadOrCreateKey(this.dataDir) : newKey();
      const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      this.keys = { privateKey, publicKeyPem };
    }
    return this.keys;
  }

  /**
   * Validates a callback as OSS does at request time; throws 400 InvalidArgument.
   * `vars`: the Base64 `x-oss-callback-var` header / `callback-var` query (PutObject, Complete),
   * or the `x:` form fields already collected (PostObject; names lower-cased, no size limit).
   */
  parse(callbackB64: string, vars: Record<string, string> | string | undefined): ParsedCallback {
    if (callbackB64.length > MAX_CALLBACK_PARAM_LENGTH) {
      throw errors.invalidArgument('The length of callback is too long.', 'callback', callbackB64);
    }
    const config = decodeBase64Json(callbackB64);
    if (config === undefined) throw errors.invalidArgument('The callback is not base64 encoded.', 'callback', callbackB64);
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw errors.invalidArgument(MSG_NOT_JSON, 'callback', callbackB64);
    }
    const c = config as Record<string, unknown>;

    // callbackUrl
    const rawUrl = c.callbackUrl;
    if (rawUrl !== undefined && typeof rawUrl !== 'string') {
      throw errors.invalidArgument('The callbackUrl is invalid.', 'callbackUrl', JSON.stringify(rawUrl));
    }
    const entries = (rawUrl ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');
    if (entries.length === 0) throw errors.invalidArgument('The callbackUrl is not set.', 'callbackUrl', rawUrl ?? '');
    if (entries.length > MAX_URLS) {
      throw errors.invalidArgument(`The number of callbackUrl exceeds the limit of ${MAX_URLS}.`, 'callbackUrl', rawUrl!);
    }
    const urls = entries.map((entry) => {
      const url = parseCallbackUrl(entry);
      if (!url) throw errors.invalidArgument('The callbackUrl is invalid.', 'callbackUrl', entry);
      if (this.refusePrivateAddresses && isPrivateHost(url.hostname)) {
        throw errors.invalidArgument('Private address is forbidden to callback.', 'callbackUrl', entry);
      }
      return url;
    });

    // callbackHost
    const host = c.callbackHost;
    if (host !== undefined && typeof host !== 'string') {
      throw errors.invalidArgument('The callbackHost is invalid.', 'callbackHost', JSON.stringify(host));
    }
    if (host !== undefined && /[\s\u0000-\u001f\u007f]/.test(host)) {
      throw errors.invalidArgument('The callbackHost is invalid.', 'callbackHost', host);
    }

    // callbackBodyType
    const type = c.callbackBodyType;
    if (type !== undefined && type !== FORM && type !== JSON_TYPE) {
      throw errors.invalidArgument(
        `The callbackBodyType is invalid, it must be ${FORM} or ${JSON_TYPE}.`,
        'callbackBodyType',
        typeof type === 'string' ? type : JSON.stringify(type),
      );
    }
    const bodyType: CallbackBodyType = type === JSON_TYPE ? JSON_TYPE : FORM;

    // callbackBody
    const body = c.callbackBody;
    if (typeof body !== 'string' || body === '') {
      throw errors.invalidArgument('The callbackBody is empty.', 'callbackBody', typeof body === 'string' ? body : JSON.stringify(body ?? ''));
    }
    const tokens = tokenize(body);
    if (typeof tokens === 'string') throw errors.invalidArgument(`The callbackBody is invalid: ${tokens}.`, 'callbackBody', body);
    if (bodyType === JSON_TYPE) {
      // OSS rejects a JSON body that is not JSON once the variables are in (each one a JSON value).
      try {
        JSON.parse(tokens.map((t) => (typeof t === 'string' ? t : '""')).join(''));
      } catch {
        throw errors.invalidArgument(MSG_NOT_JSON, 'callback', callbackB64);
      }
    }

    // callbackSNI
    const sni = c.callbackSNI;
    if (sni !== undefined && typeof sni !== 'boolean') {
      throw errors.invalidArgument('The callbackSNI is invalid, it must be true or false.', 'callbackSNI', JSON.stringify(sni));
    }

    const parsed: ParsedCallback = { urls, body, bodyType, vars: parseVars(vars) };
    if (host !== undefined && host !== '') parsed.host = host;
    if (sni !== undefined) parsed.sni = sni;
    return parsed;
  }

  /** The callback body with every `${…}` substituted (form: URL-encoded values; JSON: JSON values). */
  render(parsed: ParsedCallback, system: CallbackSystemVars): string {
    const tokens = tokenize(parsed.body);
    if (typeof tokens === 'string') throw new Error(`callback body template: ${tokens}`);
    const json = parsed.bodyType === JSON_TYPE;
    return tokens
      .map((t) => {
        if (typeof t === 'string') return t;
        const value = lookup(t.name, parsed.vars, system);
        if (json) return typeof value === 'number' && Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
        return encodeURIComponent(String(value));
      })
      .join('');
  }

  /**
   * POSTs the callback to each URL in turn until one answers 200 with JSON, within `timeoutMs`
   * overall. Returns the app's answer, or (never throws) a 203 CallbackFailed OssError.
   */
  async run(parsed: ParsedCallback, system: CallbackSystemVars): Promise<CallbackResult | OssError> {
    const body = Buffer.from(this.render(parsed, system), 'utf8');
    const deadline = Date.now() + this.timeoutMs;
    let last: OssError = callbackFailed(MSG_CANNOT_CONNECT);
    for (const url of parsed.urls) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return callbackFailed(MSG_TOO_LONG_TIME);
      const result = await this.post(url, parsed, body, remaining);
      if (!(result instanceof OssError)) return result;
      last = result;
      if (result.message === MSG_TOO_LONG_TIME) break;
    }
    return last;
  }

  private post(url: URL, parsed: ParsedCallback, body: Buffer, timeoutMs: number): Promise<CallbackResult | OssError> {
    const path = url.pathname + url.search;
    const { privateKey } = this.keyPair();
    const signature = sign('md5', callbackStringToSign(url.pathname, url.search, body), privateKey).toString('base64');
    const hostHeader = parsed.host ?? url.host;
    const https_ = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'POST',
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || (https_ ? 443 : 80),
      path,
      agent: false,
      headers: {
        Host: hostHeader,
        'Content-Type': parsed.bodyType,
        'Content-Length': String(body.length),
        Authorization: signature,
        'x-oss-pub-key-url': Buffer.from(this.publicKeyUrl, 'utf8').toString('base64'),
        'User-Agent': 'http-client/0.0.1',
        Connection: 'close',
      },
    };
    if (https_) {
      // SNI only when callbackSNI asks for it (the callbackHost name, else the URL's); the app's
      // certificate is not verified, so dev servers with self-signed certificates work.
      const sniName = stripPort(parsed.host ?? url.hostname);
      options.servername = parsed.sni && isIP(sniName) === 0 ? sniName : '';
      options.rejectUnauthorized = false;
    }

    return new Promise((resolve) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      let res: http.IncomingMessage | undefined;
      const finish = (result: CallbackResult | OssError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res?.destroy();
        req?.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish(callbackFailed(MSG_TOO_LONG_TIME)), timeoutMs);
      const onResponse = (response: http.IncomingMessage) => {
        res = response;
        const status = response.statusCode ?? 0;
        if (status !== 200) return finish(callbackFailed(`Error Status : ${status}.`));
        const lengthHeader = response.headers['content-length'];
        if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) return finish(callbackFailed(MSG_NO_LENGTH));
        const length = Number(lengthHeader);
        if (length > MAX_CALLBACK_RESPONSE) return finish(callbackFailed(MSG_TOO_LONG_LENGTH));
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_CALLBACK_RESPONSE) return finish(callbackFailed(MSG_TOO_LONG_LENGTH));
          chunks.push(chunk);
        });
        response.on('end', () => {
          const answer = Buffer.concat(chunks);
          try {
            JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(answer));
          } catch {
            return finish(callbackFailed(MSG_BAD_JSON_RESPONSE));
          }
          finish({ status: 200, body: answer, contentType: 'application/json' });
        });
        response.on('error', () => finish(callbackFailed(MSG_CANNOT_CONNECT)));
        response.on('aborted', () => finish(callbackFailed(MSG_CANNOT_CONNECT)));
      };
      try {
        req = (https_ ? https : http).request(options, onResponse);
      } catch {
        return finish(callbackFailed(MSG_CANNOT_CONNECT));
      }
      req.on('error', () => finish(callbackFailed(MSG_CANNOT_CONNECT)));
      req.end(body);
    });
  }
}

/**
 * The bytes OSS signs: `urlDecode(path)` + `?rawQuery` (nothing when there is no query) + `\n` + body.
 * `path` is the request path without the query; `query` the raw query with or without its `?`.
 */
export function callbackStringToSign(path: string, query: string | undefined, body: string | Uint8Array): Buffer {
  const q = query === undefined || query === '' || query === '?' ? '' : query.startsWith('?') ? query : `?${query}`;
  return Buffer.concat([
    percentDecode(path),
    Buffer.from(`${q}\n`, 'utf8'),
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  ]);
}

/**
 * App-side check of an OSS callback: rebuilds the signed string and verifies the Base64
 * `Authorization` header as RSA with an MD5 digest. No network access: the caller supplies the PEM
 * (the one at the Base64-decoded `x-oss-pub-key-url`, after checking that URL is one it trusts).
 * `path` may still carry the query when `query` is left out.
 */
export function verifyCallbackSignature(args: {
  path: string;
  query?: string;
  body: string | Uint8Array;
  authorization: string;
  publicKeyPem: string;
}): boolean {
  let { path, query } = args;
  if (query === undefined) {
    const i = path.indexOf('?');
    if (i >= 0) [path, query] = [path.slice(0, i), path.slice(i + 1)];
  }
  const authorization = args.authorization.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(authorization)) return false;
  try {
    return verify('md5', callbackStringToSign(path, query, args.body), args.publicKeyPem, Buffer.from(authorization, 'base64'));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

function newKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/** Reads `dir/callback-key.pem`, or creates it (exclusive create, so two instances agree on one key). */
function loadOrCreateKey(dir: string): KeyObject {
  const file = join(dir, KEY_FILE);
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true });
  const key = newKey();
  try {
    writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return createPrivateKey(readFileSync(file, 'utf8'));
  }
}

/** Strict Base64 → UTF-8 → JSON; `undefined` when it is not Base64, throws nothing. */
function decodeBase64Json(b64: string): unknown {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function parseVars(vars: Record<string, string> | string | undefined): Record<string, string> {
  if (vars === undefined) return {};
  if (typeof vars !== 'string') {
    // PostObject: one form field per variable; field names are case-insensitive there.
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) {
      const key = k.toLowerCase();
      if (!key.startsWith('x:')) throw errors.invalidArgument('The callback-var key must start with x:.', 'callback-var', k);
      out[key] = String(v);
    }
    return out;
  }
  if (vars.length > MAX_CALLBACK_PARAM_LENGTH) {
    throw errors.invalidArgument('The length of callback-var is too long.', 'callback-var', vars);
  }
  const decoded = decodeBase64Json(vars);
  if (decoded === undefined) throw errors.invalidArgument('The callback-var is not base64 encoded.', 'callback-var', vars);
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
    throw errors.invalidArgument('The callback-var configuration is not json format.', 'callback-var', vars);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(decoded as Record<string, unknown>)) {
    if (!k.startsWith('x:') || k !== k.toLowerCase()) {
      throw errors.invalidArgument('The callback-var key must start with x: and be lower case.', 'callback-var', vars);
    }
    if (typeof v !== 'string') {
      throw errors.invalidArgument('The callback-var value must be a string.', 'callback-var', vars);
    }
    out[k] = v;
  }
  return out;
}

type Token = string | { name: string };

/** Splits a template into literals and `${name}` variables; a string result describes what is malformed. */
function tokenize(template: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('${', i);
    if (start < 0) {
      out.push(template.slice(i));
      break;
    }
    if (start > i) out.push(template.slice(i, start));
    const end = template.indexOf('}', start + 2);
    if (end < 0) return `unterminated variable at offset ${start}`;
    const name = template.slice(start + 2, end);
    if (name === '' || /[${]/.test(name)) return `malformed variable at offset ${start}`;
    out.push({ name });
    i = end + 1;
  }
  return out;
}

function lookup(name: string, vars: Record<string, string>, system: CallbackSystemVars): string | number {
  if (name.startsWith('x:')) return vars[name] ?? vars[name.toLowerCase()] ?? '';
  if (name === 'etag') return String(system.etag).replace(/^"(.*)"$/, '$1');
  const value = Object.prototype.hasOwnProperty.call(system, name) ? system[name] : undefined;
  if (value !== undefined) return value;
  // imageInfo.* (the emulator does no image inspection: empty, as OSS does for non-images) and
  // variables the emulator does not know: empty.
  return '';
}

/** `entry` as an http(s) URL with a valid port (a missing scheme means http), or undefined. */
function parseCallbackUrl(entry: string): URL | undefined {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry) ? entry : `http://${entry}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname === '') return undefined;
  if (url.port === '0') return undefined;
  // URL accepts an empty port ("host:/"); OSS wants a number after the colon.
  const authority = withScheme.slice(withScheme.indexOf('://') + 3).split(/[/?#]/, 1)[0]!.replace(/^.*@/, '');
  if (authority.endsWith(':')) return undefined;
  return url;
}

const privateRanges = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
    ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const) list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
  ] as const) list.addSubnet(net, bits, 'ipv6');
  return list;
})();

/** Loopback/private/link-local literals and `localhost` names (DNS names are not resolved). */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  // IPv4-mapped IPv6 (URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1): judge the IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return isPrivateHost(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const family = isIP(host);
  if (family === 4) return privateRanges.check(host, 'ipv4');
  if (family === 6) return privateRanges.check(host, 'ipv6');
  return false;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.replace(/^\[(.*)\](:\d+)?$/, '$1');
  return host.replace(/:\d+$/, '');
}

/** Percent-decodes to bytes (like Python's `unquote`: `%XX` only, `+` stays, bad escapes stay as-is). */
function percentDecode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && isHex(src[i + 1]) && isHex(src[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(src[i + 1]!, src[i + 2]!), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

// The sts handler of oss-upload/server: calls STS AssumeRole (through ali-oss's `STS` class)
// with a short duration, a session name per user and an inline policy that allows only what an
// upload needs under the prefix granted for this request, and answers the browser with the
// temporary credentials. The long-term AccessKey stays here. Fetch API (Request → Response);
// ali-oss is imported only when the first request arrives (or never, with `assumeRole`).
// OSS-PROTOCOL.md §5; DESIGN.md "Credential endpoint formats".
import {
  HttpError, errorResponse, jsonResponse, checkPrefixOptions, grantedDir, type PrefixOption,
} from './common.js';

/** The actions an upload needs (Initiate/UploadPart/Complete/PutObject are all oss:PutObject). */
export const UPLOAD_ACTIONS = ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'] as const;

/** STS's own answer: PascalCase, as ali-oss's `STS#assumeRole` returns it. */
export interface AssumedCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  /** ISO 8601 UTC. */
  Expiration: string;
}

export interface AssumeRoleRequest {
  roleArn: string;
  /** The inline session policy, as JSON text. */
  policy: string;
  durationSeconds: number;
  sessionName: string;
}

export interface StsHandlerOptions {
  /** A RAM user's long-term AccessKey that may call AssumeRole (`AliyunSTSAssumeRoleAccess`). */
  accessKeyId?: string;
  accessKeySecret?: string;
  /** `acs:ram::<account>:role/<name>`: the role the browser's uploads act as. */
  roleArn: string;
  bucket: string;
  /** `cn-hangzhou` or `oss-cn-hangzhou`. */
  region: string;
  /** The OSS endpoint the browser should use, when not OSS's own (the emulator: `http://localhost:9000`). */
  endpoint?: string;
  /** STS endpoint. Default `https://sts.aliyuncs.com`; the emulator's is `<url>/_sts`. */
  stsEndpoint?: string;
  /** Lifetime of the credentials in seconds. Default 900, STS's minimum: the browser refreshes them. */
  durationSeconds?: number;
  /**
   * `RoleSessionName`, which STS records with every use of the credentials: per user. A function
   * of the request (and the granted prefix). Default: the granted prefix, cleaned
   * (`uploads/user-42/` → `uploads.user-42`).
   */
  sessionName?: string | ((request: Request, dir: string) => string | Promise<string>);
  /**
   * The key prefix the server grants, e.g. per signed-in user; a function may throw an
   * `HttpError` (or a `Response`) to refuse the request. Default `uploads/`.
   */
  prefix?: PrefixOption;
  /** Sub-prefixes the browser may propose with `dir` (the same rule as the sign handler). */
  allowedDirs?: string[];
  /** Replaces the call to STS (other runtimes than Node, or an STS client of your own). */
  assumeRole?: (request: AssumeRoleRequest) => Promise<AssumedCredentials>;
  /** Called with unexpected errors (STS refusing, a bug) before the generic 5xx answer. */
  onError?: (error: unknown, request: Request) => void;
}

/** The answer: the shape the sts strategy reads (and the seed's `/sts` returned). */
export interface StsAnswer {
  accessKeyId: string;
  accessKeySecret: string;
  stsToken: string;
  /** ISO 8601. */
  expiration: string;
  bucket: string;
  region: string;
  endpoint?: string;
  /** The granted prefix: every key the credentials allow starts with it. */
  dir: string;
}

/** The inline policy: only the upload actions, only under `bucket/dir`. */
export function uploadPolicy(bucket: string, dir: string): string {
  return JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: [...UPLOAD_ACTIONS], Resource: [`acs:oss:*:*:${bucket}/${dir}*`] }],
  });
}

/** A RoleSessionName STS accepts (2–32 of `A-Z a-z 0-9 . @ _ -`), from any text. */
export function sessionNameOf(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9.@_-]+/g, '.').replace(/^[.]+|[.]+$/g, '');
  // Keep the end: the per-user part of a prefix usually comes last.
  const cut = clean.length > 32 ? clean.slice(-32).replace(/^[.]+/, '') : clean;
  return cut.length >= 2 ? cut : 'oss-upload';
}

async function readDir(request: Request): Promise<string | undefined> {
  if (request.method === 'GET') return new URL(request.url).searchParams.get('dir') ?? undefined;
  const text = await request.text();
  if (text.length > 16 * 1024) throw new HttpError(413, 'RequestTooLarge', 'The request body may have 16384 bytes.');
  if (text.trim() === '') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'InvalidRequest', 'The request body must be JSON: {name, size, type, dir}.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new HttpError(400, 'InvalidRequest', 'The request body must be a JSON object.');
  const dir = (doc as Record<string, unknown>)['dir'];
  if (dir !== undefined && dir !== null && typeof dir !== 'string') throw new HttpError(400, 'InvalidRequest', 'dir must be a string.');
  return dir ?? undefined;
}

/** AssumeRole through ali-oss's STS client, imported on first use. */
function aliOssAssumeRole(accessKeyId: string, accessKeySecret: string, endpoint: string | undefined): (r: AssumeRoleRequest) => Promise<AssumedCredentials> {
  return async (r) => {
    const { default: OSS } = await import('ali-oss');
    const client = new OSS.STS({ accessKeyId, accessKeySecret, ...(endpoint ? { endpoint } : {}) } as ConstructorParameters<typeof OSS.STS>[0]);
    const { credentials } = await client.assumeRole(r.roleArn, r.policy, r.durationSeconds, r.sessionName);
    return credentials as unknown as AssumedCredentials;
  };
}

/**
 * The sts endpoint: `GET ?dir=` (or POST `{dir}`) → `{accessKeyId, accessKeySecret, stsToken,
 * expiration, bucket, region, endpoint?, dir}`. Refusals are JSON `{code, message}`: 400
 * InvalidRequest / InvalidDir, 403 DirNotAllowed, 405 MethodNotAllowed, 503
 * CredentialsUnavailable (STS refused or could not be reached), 500 InternalError; a prefix
 * function may throw its own HttpError or Response.
 */
export function createStsHandler(options: StsHandlerOptions): (request: Request) => Promise<Response> {
  const fail = (message: string): never => {
    throw new TypeError(`createStsHandler: ${message}`);
  };
  if (!options.bucket || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)) fail(`"${options.bucket}" is not an OSS bucket name.`);
  if (!options.region || !/^[a-z0-9-]+$/.test(options.region)) fail('region must be like "cn-hangzhou" or "oss-cn-hangzhou".');
  if (!options.roleArn || !/^acs:ram::[0-9]+:role\/.+$/.test(options.roleArn)) fail('roleArn must be like "acs:ram::<account id>:role/<role name>".');
  const duration = options.durationSeconds ?? 900;
  if (!Number.isSafeInteger(duration) || duration < 1 || duration > 43_200) fail('durationSeconds must be whole seconds (STS: 900 to the role\'s maximum, at most 43200).');
  if (options.endpoint !== undefined && !/^https?:\/\/[^/]/.test(options.endpoint)) fail(`endpoint must be an http(s) URL, got "${options.endpoint}".`);
  let assumeRole = options.assumeRole;
  if (!assumeRole) {
    if (!options.accessKeyId || !options.accessKeySecret) fail('accessKeyId and accessKeySecret (or assumeRole) are required.');
    assumeRole = aliOssAssumeRole(options.accessKeyId!, options.accessKeySecret!, options.stsEndpoint);
  }
  const prefix = options.prefix ?? 'uploads/';
  const allowedDirs = checkPrefixOptions(prefix, options.allowedDirs, fail);
  const region = options.region.replace(/^oss-/, '');

  const handle = async (request: Request): Promise<Response> => {
    const dir = await grantedDir(prefix, allowedDirs, request, await readDir(request), 'sts handler');
    const name = typeof options.sessionName === 'function'
      ? await options.sessionName(request, dir)
      : options.sessionName ?? dir;
    let credentials: AssumedCredentials;
    try {
      credentials = await assumeRole!({
        roleArn: options.roleArn, policy: uploadPolicy(options.bucket, dir), durationSeconds: duration, sessionName: sessionNameOf(name),
      });
      if (!credentials?.AccessKeyId || !credentials.AccessKeySecret || !credentials.SecurityToken) throw new Error('AssumeRole returned no credentials');
    } catch (err) {
      options.onError?.(err, request);
      throw new HttpError(503, 'CredentialsUnavailable', 'The server could not obtain temporary credentials.');
    }
    const body: StsAnswer = {
      accessKeyId: credentials.AccessKeyId,
      accessKeySecret: credentials.AccessKeySecret,
      stsToken: credentials.SecurityToken,
      expiration: credentials.Expiration,
      bucket: options.bucket,
      region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      dir,
    };
    return jsonResponse(200, body);
  };

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'POST') {
      return errorResponse(new HttpError(405, 'MethodNotAllowed', 'Use GET (or POST with a JSON body).'), { Allow: 'GET, POST' });
    }
    try {
      return await handle(request);
    } catch (err) {
      if (err instanceof Response) return err;
      if (err instanceof HttpError) return errorResponse(err);
      options.onError?.(err, request);
      return errorResponse(new HttpError(500, 'InternalError', 'The sts endpoint failed.'));
    }
  };
}

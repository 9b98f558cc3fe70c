// The emulator's HTTP front: addressing, CORS, request ids, fault injection, routing to the OSS
// operations, and OSS-style error bodies. Storage, signatures, STS, PostObject and callbacks live
// in their own modules.
import type { CallbackService, ParsedCallback } from './callback.js';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import { authenticate, type AuthContext } from './auth.js';
import { errors, errorXml, OssError, xmlElements, xmlEscape } from './errors.js';
import type { Faults } from './faults.js';
import { validateFaults } from './faults.js';
import { ObjectStore, MAX_PART_NUMBER, type PartMeta, type UploadMeta } from './store.js';
import type { CredentialRecord, ObjectMeta, OssAction } from './types.js';
import { isV1Subresource, type QueryPairs } from '../signing/index.js';
import { evaluateConditions } from './conditional.js';
import { deleteErrors, deleteResultXml, MAX_DELETE_BODY, parseDeleteRequest } from './delete-multiple.js';
import { pageUploads, parseMaxUploads } from './list-uploads.js';
import { checkObjectName } from './object-keys.js';

/** What the server needs of the callback service. */
export type CallbackRunner = Pick<CallbackService, 'parse' | 'run' | 'publicKeyPem'>;

export interface PostObjectHandler {
  (headers: IncomingHttpHeaders, body: Readable, ctx: {
    bucket: string; region: string; store: ObjectStore; credentials: AuthContext['credentials'];
    now: () => number; bucketUrl: string;
    authorize: (record: CredentialRecord, action: 'oss:PutObject', bucket: string, key: string) => boolean;
    callbacks?: CallbackRunner;
    onKey?: (key: string) => void;
  }): Promise<{ status: number; headers: Record<string, string>; body?: string | Buffer; error?: OssError }>;
}

export interface StsHandler {
  handle(req: { method: string; headers: Record<string, string | string[] | undefined>; url: string }, body: Buffer):
    Promise<{ status: number; body: unknown }>;
}

export interface RequestLogEntry {
  time: string;
  requestId: string;
  method: string;
  op: string;
  bucket?: string;
  key?: string;
  partNumber?: number;
  uploadId?: string;
  accessKeyId?: string;
  /** The answer's status; -1 when the client went away (or was cut off) before it had the whole answer. */
  status: number;
  code?: string;
  fault?: 'error' | 'drop';
}

export interface ServerContext extends AuthContext {
  store: ObjectStore;
  faults: Faults;
  sts: StsHandler;
  postObject: PostObjectHandler;
  callbacks?: CallbackRunner;
  authorize: (record: CredentialRecord, action: OssAction, bucket: string, key: string) => boolean;
  /** Allowed CORS origins; `*` allows any. */
  corsOrigins: readonly string[];
  /** Expose `ETag` to browsers (turn off to reproduce the common bucket misconfiguration). */
  exposeEtag: boolean;
  log: RequestLogEntry[];
  /** Longest silence of a client the emulator waits on (body bytes, or reading the answer); 0 waits forever. */
  idleTimeoutMs?: number;
}

const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
/** Largest body of `/_sts` and `/_emulator/*` requests. */
const ADMIN_BODY_LIMIT = 64 * 1024;
/** A refused request whose unread rest is at most this is read to its end, so that its connection stays usable. */
const DRAIN_LIMIT = 256 * 1024;
/** How long that rest may take to arrive before the answer closes the connection instead. */
const DRAIN_WAIT_MS = 2000;
/** After an answer that closes the connection, what the client still sends is read (and dropped) this long, or
 * this much, before the socket goes: closing on unread bytes resets the connection, and the client may lose the answer. */
const LINGER_MS = 2000;
const LINGER_BYTES = 16 * 1024 * 1024;
const MAX_LOG = 20000;
const CORS_METHODS = 'GET, PUT, POST, DELETE, HEAD';

/** Query parameters that are ordinary (not sub-resources) and that the emulator understands or ignores. */
const HANDLED_SUBRESOURCES = new Set(['uploads', 'delete', 'uploadId', 'partNumber', 'security-token', 'callback', 'callback-var',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'continuation-token', 'objectMeta']);

const xmlParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'Part' });

export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return [...new URLSearchParams(raw)];
}

function first(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function collectMeta(headers: IncomingHttpHeaders): { userMeta: Record<string, string>; headers: Record<string, string> } {
  const userMeta: Record<string, string> = {};
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(',') : v;
    if (k.startsWith('x-oss-meta-')) userMeta[k] = value;
    else if (['cache-control', 'content-disposition', 'content-encoding', 'expires'].includes(k)) kept[k] = value;
  }
  return { userMeta, headers: kept };
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  return {
    'Content-Type': meta.contentType,
    ETag: meta.etag,
    'Last-Modified': new Date(meta.lastModified).toUTCString(),
    'x-oss-hash-crc64ecma': meta.crc64,
    'x-oss-object-type': meta.parts ? 'Multipart' : 'Normal',
    'x-oss-storage-class': 'Standard',
    'Accept-Ranges': 'bytes',
    ...Object.fromEntries(Object.entries(meta.headers).map(([k, v]) => [k, v])),
    ...meta.userMeta,
  };
}

async function readBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw errors.invalidArgument('The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drain(body: Readable): Promise<void> {
  for await (const _ of body) { /* discard */ }
}

/** The request was cut (or its client left) before the answer: there is no one to answer. */
function clientGone(): Error {
  return Object.assign(new Error('The client went away before the answer.'), { code: 'ECLIENTGONE' });
}

const requestTimeout = () => new OssError(400, 'RequestTimeout',
  'Your socket connection to the server was not read from or written to within the timeout period.');

/**
 * A request's body as every handler reads it (paced by the bandwidth fault). It has an owner from
 * the request's first moment: however the request ends, the stream ends or fails, and its 'error'
 * always has a listener.
 */
class RequestBody {
  readonly stream: Transform;
  /** Body bytes received so far. */
  received = 0;
  /** When the client last sent body bytes (ms since the epoch). */
  lastData = Date.now();
  /** The idle timeout ended it: the answer closes the connection. */
  timedOut = false;

  constructor(readonly req: IncomingMessage, throttle: Transform) {
    this.stream = throttle;
    // Readers hear errors through their own pipeline or iterator; this one keeps a late error from being uncaught.
    throttle.on('error', () => {});
    req.on('error', () => {});
    req.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.lastData = Date.now();
    });
    req.once('close', () => {
      if (req.readableEnded || throttle.destroyed) return;
      // Cut before its body ended: the body fails, so no reader waits forever (and the request has no effect).
      if (!req.complete) return void throttle.destroy(clientGone());
      // The whole body had arrived (its client hung up awaiting the answer): what Node had buffered still goes to the reader.
      req.unpipe(throttle);
      for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) throttle.write(chunk);
      throttle.end();
    });
    req.pipe(throttle);
  }

  /** Every byte of the body arrived (a body-less request has arrived whole with its head). */
  get whole(): boolean {
    return this.req.complete;
  }

  /** The emulator waits on the client for body bytes (and is not holding them back itself). */
  get waiting(): boolean {
    const r = this.req;
    return !r.readableEnded && !r.destroyed && r.readableFlowing !== false && r.readableLength === 0;
  }

  /**
   * Before an answer: whether the connection can carry the client's next request. It can when the
   * body was read to its end; otherwise the rest is dropped from now on, and waited for when it is
   * small and of known length, so that the next request on the connection is read at once.
   */
  async settle(close: boolean): Promise<boolean> {
    const req = this.req;
    if (req.readableEnded) return true;
    req.unpipe(this.stream);
    this.stream.destroy();
    req.resume();
    if (close) return false;
    if (req.complete) return this.#ended();
    const length = Number(first(req.headers, 'content-length'));
    if (req.headers['transfer-encoding'] !== undefined || !Number.isSafeInteger(length) || length - this.received > DRAIN_LIMIT) return false;
    return this.#ended();
  }

  #ended(): Promise<boolean> {
    const req = this.req;
    if (req.readableEnded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ended: boolean) => {
        clearTimeout(timer);
        req.off('end', onEnd).off('close', onClose);
        resolve(ended);
      };
      const onEnd = () => done(true);
      const onClose = () => done(req.readableEnded);
      const timer = setTimeout(() => done(false), DRAIN_WAIT_MS);
      req.on('end', onEnd).on('close', onClose);
    });
  }

  /** After an answer that closes the connection: drops what the client still sends, for a bounded while. */
  linger(): Promise<void> {
    const req = this.req;
    if (req.readableEnded || req.destroyed) return Promise.resolve();
    const start = this.received;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        req.off('data', onData).off('end', done).off('close', done);
        resolve();
      };
      const onData = () => {
        if (this.received - start > LINGER_BYTES) done();
      };
      const timer = setTimeout(done, LINGER_MS);
      req.on('data', onData).on('end', done).on('close', done);
    });
  }
}

/** Identifies the operation from method, target and query. */
export function operationOf(method: string, bucket: string | undefined, key: string | undefined, q: Map<string, string>): string {
  if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown';
  if (!key) {
    if (method === 'GET' && q.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    // Any other POST to a bucket is PostObject; a non-form body gets RequestIsNotMultiPartContent there.
    if (method === 'POST') return q.has('delete') ? 'DeleteMultipleObjects' : 'PostObject';
    if (method === 'HEAD') return 'HeadBucket';
    return 'Unknown';
  }
  switch (method) {
    case 'PUT': return q.has('uploadId') || q.has('partNumber') ? 'UploadPart' : 'PutObject';
    case 'GET': return q.has('uploadId') ? 'ListParts' : q.has('objectMeta') ? 'GetObjectMeta' : 'GetObject';
    case 'HEAD': return q.has('objectMeta') ? 'GetObjectMeta' : 'HeadObject';
    case 'DELETE': return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST': return q.has('uploads') ? 'InitiateMultipartUpload' : q.has('uploadId') ? 'CompleteMultipartUpload' : 'Unknown';
    default: return 'Unknown';
  }
}

const ACTIONS: Record<string, OssAction> = {
  PutObject: 'oss:PutObject', UploadPart: 'oss:PutObject', InitiateMultipartUpload: 'oss:PutObject',
  CompleteMultipartUpload: 'oss:PutObject', GetObject: 'oss:GetObject', HeadObject: 'oss:GetObject',
  GetObjectMeta: 'oss:GetObject', DeleteObject: 'oss:DeleteObject', AbortMultipartUpload: 'oss:AbortMultipartUpload',
  ListParts: 'oss:ListParts', ListObjects: 'oss:ListObjects', ListObjectsV2: 'oss:ListObjects',
  ListMultipartUploads: 'oss:ListMultipartUploads', HeadBucket: 'oss:ListObjects', ListBuckets: 'oss:ListObjects',
};

class Reply {
  status = 200;
  headers: Record<string, string> = {};
  body: string | Buffer | Readable | undefined;
  constructor(status = 200, headers: Record<string, string> = {}, body?: string | Buffer | Readable) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

const xml = (body: string) => '<?xml version="1.0" encoding="UTF-8"?>\n' + body;

export class EmulatorServer {
  constructor(readonly ctx: ServerContext) {}

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.#serve(req, res).catch((err: unknown) => {
      // A last resort: the handler failed in a way it did not turn into an OSS error. The body's
      // state is unknown here, so the connection closes after the answer.
      try {
        if (res.headersSent || res.destroyed) return void res.destroy();
        const e = errors.internalError(err instanceof Error ? err.message : String(err));
        res.writeHead(500, { 'Content-Type': 'application/xml', Connection: 'close' }).end(errorXml(e, newRequestId(), req.headers.host ?? ''));
      } catch {
        res.destroy();
      }
    });
  };

  #corsHeaders(origin: string | undefined): Record<string, string> | undefined {
    if (!origin) return {};
    const allowed = this.ctx.corsOrigins.some((o) => o === '*' || o === origin || (o.includes('*') && new RegExp(
      '^' + o.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(origin)));
    if (!allowed) return undefined;
    const expose = ['x-oss-request-id', 'x-oss-hash-crc64ecma', 'x-oss-version-id', 'x-oss-object-type', 'x-oss-ec', 'x-oss-err',
      'Content-Length', 'Content-Range', 'Last-Modified'];
    if (this.ctx.exposeEtag) expose.unshift('ETag');
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': CORS_METHODS,
      'Access-Control-Expose-Headers': expose.join(', '),
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    };
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const host = req.headers.host ?? '';
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const query = parseQuery(qIndex < 0 ? '' : rawUrl.slice(qIndex + 1));
    const origin = first(req.headers, 'origin');
    const isAdmin = rawPath === '/_sts' || rawPath.startsWith('/_emulator/');
    let cors = this.#corsHeaders(origin);
    if (isAdmin && origin) cors = { ...this.#corsHeaders(origin), 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    const common = { 'x-oss-request-id': requestId, Server: 'AliyunOSS', Date: new Date(this.ctx.now()).toUTCString() };
    const entry: RequestLogEntry = { time: new Date().toISOString(), requestId, method, op: 'Unknown', status: 0 };
    // Before any await: from here on the body has an owner, however the request ends.
    const inbound = new RequestBody(req, this.ctx.faults.throttle());
    const body: Readable = inbound.stream;
    const socket = req.socket;
    const gone = () => res.destroyed || socket.destroyed;
    this.#watch(inbound, res, entry);

    const send = async (reply: Reply): Promise<void> => {
      const stream = reply.body === undefined || typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? undefined : reply.body;
      const keep = gone() ? false : await inbound.settle(inbound.timedOut);
      if (gone()) {
        stream?.destroy();
        entry.status = -1;
        return;
      }
      entry.status = reply.status;
      const headers: Record<string, string> = { ...common, ...(cors ?? {}), ...reply.headers };
      // Answered before the body was in, and its rest is large or unknown: the client must reconnect.
      if (!keep) headers['Connection'] = 'close';
      if (stream && method !== 'HEAD') {
        res.writeHead(reply.status, headers);
        // pipeline, not pipe: a client that leaves mid-answer also closes the file being read.
        pipeline(stream, res, (err) => {
          if (err) entry.status = -1;
        });
        return;
      }
      stream?.destroy();
      let payload = reply.body === undefined || method === 'HEAD' ? undefined
        : typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body as Buffer;
      // A body-less answer that lingers still needs its length, or the client would wait for the close.
      if (!keep && !payload && method !== 'HEAD' && reply.status !== 204 && reply.status !== 304) payload = Buffer.alloc(0);
      if (payload) headers['Content-Length'] = String(payload.length);
      res.writeHead(reply.status, headers);
      if (keep) return void res.end(payload);
      if (payload?.length) res.write(payload);
      else res.flushHeaders();
      await inbound.linger();
      res.end();
    };
    const sendError = (err: OssError): Promise<void> => {
      entry.code = err.code;
      const body = errorXml(err, requestId, host);
      const headers: Record<string, string> = { 'Content-Type': 'application/xml', 'x-oss-ec': err.ec };
      if (method === 'HEAD') headers['x-oss-err'] = Buffer.from(body).toString('base64');
      return send(new Reply(err.status, headers, body));
    };
    this.#record(entry);

    try {
      if (method === 'OPTIONS') return await send(this.#preflight(req, origin, isAdmin));
      if (isAdmin) return await send(await this.#admin(method, rawPath, query, req, body, gone));

      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        throw errors.invalidArgument('The URI is not valid.', 'uri', rawPath);
      }
      const hostname = host.replace(/:\d+$/, '');
      let bucket: string | undefined;
      let key: string | undefined;
      if (hostname.endsWith('.localhost') && hostname !== 'localhost') {
        bucket = hostname.slice(0, -'.localhost'.length);
        key = path.slice(1);
      } else {
        const rest = path.slice(1);
        const slash = rest.indexOf('/');
        bucket = slash < 0 ? rest : rest.slice(0, slash);
        key = slash < 0 ? '' : rest.slice(slash + 1);
      }
      bucket ||= undefined;
      key ||= undefined;
      const q = new Map(query);
      const op = operationOf(method, bucket, key, q);
      Object.assign(entry, { op, bucket, key });
      if (q.has('partNumber')) entry.partNumber = Number(q.get('partNumber'));
      if (q.has('uploadId')) entry.uploadId = q.get('uploadId');

      await this.ctx.faults.delay();
      // The fault is a long path: a request whose client left while it was held is carried out if it arrived whole.
      if (gone() && !inbound.whole) throw clientGone();
      const fault = this.ctx.faults.decide(op);
      if (fault) {
        entry.fault = fault;
        if (fault === 'drop') {
          entry.status = -1;
          socket.destroy();
          return;
        }
        await drain(body);
        return await sendError(errors.internalError());
      }

      for (const [name] of query) {
        if (isV1Subresource(name) && !HANDLED_SUBRESOURCES.has(name) && !name.startsWith('x-oss-')) {
          throw errors.notImplemented(`the "${name}" sub-resource`);
        }
      }
      if (op === 'Unknown') throw errors.notImplemented(`${method} on this resource`);
      if (bucket && !this.ctx.store.hasBucket(bucket)) {
        await drain(body);
        throw errors.noSuchBucket(bucket);
      }
      const bucketUrl = `http://${host}${hostname.endsWith('.localhost') && hostname !== 'localhost' ? '' : `/${bucket ?? ''}`}`;

      if (op === 'PostObject') {
        const result = await this.ctx.postObject(req.headers, body, {
          bucket: bucket!, region: this.ctx.region, store: this.ctx.store, credentials: this.ctx.credentials,
          now: this.ctx.now, bucketUrl, authorize: this.ctx.authorize, callbacks: this.ctx.callbacks,
          // The key is a form field: the log has it once the form is read that far.
          onKey: (k) => { entry.key = k; },
        });
        if (result.error) {
          entry.code = result.error.code;
          const xmlBody = errorXml(result.error, requestId, host);
          return await send(new Reply(result.status, { ...result.headers, 'Content-Type': 'application/xml', 'x-oss-ec': result.error.ec }, xmlBody));
        }
        return await send(new Reply(result.status, result.headers, result.body));
      }

      // A refusal leaves the body unread: the answer settles it (drained when small, else the connection closes).
      const record: CredentialRecord = await authenticate({ method, bucket, key, headers: req.headers, query }, this.ctx);
      entry.accessKeyId = record.accessKeyId;
      const action = ACTIONS[op];
      if (action && bucket && !this.ctx.authorize(record, action, bucket, key ?? '')) {
        throw errors.accessDenied('You have no right to access this object because of the policy of your security token.', {
          Action: action, Resource: `acs:oss:*:*:${bucket}/${key ?? ''}`,
        });
      }
      return await send(await this.#operation(op, bucket!, key, q, req.headers, body, bucketUrl, record));
    } catch (err) {
      // Cut requests first: whatever error the cut caused, there is no one to answer.
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      if (gone() || code === 'ECLIENTGONE' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
        entry.status = -1;
        res.destroy();
        return;
      }
      if (err instanceof OssError) return await sendError(err);
      throw err;
    }
  }

  #record(entry: RequestLogEntry): void {
    this.ctx.log.push(entry);
    if (this.ctx.log.length > MAX_LOG) this.ctx.log.splice(0, this.ctx.log.length - MAX_LOG);
  }

  /**
   * The idle timeout: ends a request whose client stays silent while the emulator waits on it — for
   * body bytes, or to take the answer. Time the emulator itself holds the request (a latency fault,
   * a body paced by the bandwidth fault, a slow callback) does not count.
   */
  #watch(inbound: RequestBody, res: ServerResponse, entry: RequestLogEntry): void {
    const idle = this.ctx.idleTimeoutMs ?? 0;
    if (!(idle > 0)) return;
    const socket = inbound.req.socket;
    let since = Date.now();
    let written = socket.bytesWritten;
    const timer = setInterval(() => {
      const now = Date.now();
      const answering = res.headersSent && res.writableNeedDrain;
      const progressed = socket.bytesWritten !== written;
      written = socket.bytesWritten;
      // Once the answer has begun, only the client's reading of it is watched.
      if ((answering && progressed) || (!answering && (res.headersSent || !inbound.waiting))) {
        since = now;
        return;
      }
      if (now - (answering ? since : Math.max(since, inbound.lastData)) >= idle) {
        clearInterval(timer);
        entry.code = 'RequestTimeout';
        if (answering) {
          entry.status = -1;
          socket.destroy();
          return;
        }
        // The reader fails with RequestTimeout and answers it (closing the connection); if nothing
        // reads the body now, the socket goes after another idle period.
        inbound.timedOut = true;
        inbound.stream.destroy(requestTimeout());
        const last = setTimeout(() => {
          if (!res.writableFinished) socket.destroy();
        }, idle);
        last.unref();
        res.once('close', () => clearTimeout(last));
      }
    }, Math.min(Math.max(idle / 4, 20), 5000));
    timer.unref();
    res.once('close', () => clearInterval(timer));
  }

  #preflight(req: IncomingMessage, origin: string | undefined, isAdmin: boolean): Reply {
    const requested = (first(req.headers, 'access-control-request-method') ?? '').toUpperCase();
    const requestedHeaders = first(req.headers, 'access-control-request-headers');
    const cors = origin ? this.#corsHeaders(origin) : undefined;
    if (!origin || !requested || (!cors && !isAdmin) || !CORS_METHODS.split(', ').includes(requested)) {
      const err = new OssError(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.', {}, '0003-00000001');
      return new Reply(403, { 'Content-Type': 'application/xml', 'x-oss-ec': err.ec }, errorXml(err, newRequestId(), req.headers.host ?? ''));
    }
    return new Reply(200, {
      ...(cors ?? {}),
      'Access-Control-Allow-Origin': origin,
      ...(requestedHeaders ? { 'Access-Control-Allow-Headers': requestedHeaders } : {}),
      'Access-Control-Max-Age': '600',
    });
  }

  async #admin(method: string, path: string, query: QueryPairs, req: IncomingMessage, body: Readable, gone: () => boolean): Promise<Reply> {
    const json = (status: number, value: unknown) =>
      new Reply(status, { 'Content-Type': 'application/json' }, JSON.stringify(value));
    const q = new Map(query);
    if (path === '/_sts') {
      const raw = await readBody(body, ADMIN_BODY_LIMIT);
      // A client that left once its body was in gets nothing issued.
      if (gone()) throw clientGone();
      const result = await this.ctx.sts.handle({ method, headers: req.headers, url: req.url ?? '/_sts' }, raw);
      return json(result.status, result.body);
    }
    const route = path.slice('/_emulator/'.length);
    if (route === 'faults') {
      if (method === 'GET') return json(200, this.ctx.faults.config);
      if (method === 'PUT' || method === 'POST') {
        let raw: Buffer;
        try {
          raw = await readBody(body, ADMIN_BODY_LIMIT);
        } catch (err) {
          if (err instanceof OssError) return json(400, { code: 'InvalidFaults', message: err.message });
          throw err;
        }
        if (gone()) throw clientGone();
        try {
          this.ctx.faults.set(validateFaults(JSON.parse(raw.toString('utf8'))));
        } catch (err) {
          return json(400, { code: 'InvalidFaults', message: (err as Error).message });
        }
        return json(200, this.ctx.faults.config);
      }
      if (method === 'DELETE') {
        this.ctx.faults.set({});
        return json(200, {});
      }
    }
    if (route === 'objects' && method === 'GET') {
      const buckets = q.get('bucket') ? [q.get('bucket')!] : this.ctx.store.buckets();
      const objects = buckets.filter((b) => this.ctx.store.hasBucket(b)).flatMap((b) =>
        this.ctx.store.list(b, { prefix: q.get('prefix'), maxKeys: Infinity }).objects.map((o) => ({ bucket: b, ...o })));
      return json(200, objects);
    }
    if (route === 'uploads' && method === 'GET') {
      const uploads = await Promise.all(this.ctx.store.uploads(q.get('bucket')).map(async (u) => ({
        ...u, parts: (await this.ctx.store.parts(u)).map(({ partNumber, size, etag }) => ({ partNumber, size, etag })),
      })));
      return json(200, uploads);
    }
    if (route === 'requests') {
      if (method === 'GET') return json(200, this.ctx.log);
      if (method === 'DELETE') {
        this.ctx.log.length = 0;
        return json(200, []);
      }
    }
    if (route === 'callback-public-key.pem' && method === 'GET' && this.ctx.callbacks) {
      return new Reply(200, { 'Content-Type': 'application/x-pem-file' }, this.ctx.callbacks.publicKeyPem);
    }
    return json(404, { code: 'NotFound', message: `No emulator route ${method} ${path}` });
  }

  async #callback(headers: IncomingHttpHeaders, q: Map<string, string>): Promise<unknown> {
    const header = first(headers, 'x-oss-callback');
    const queryParam = q.get('callback');
    if (header !== undefined && queryParam !== undefined) {
      throw errors.invalidArgument('Callback can be specified in either the header or the query, not both.', 'callback', header);
    }
    const callback = header ?? queryParam;
    if (callback === undefined) return undefined;
    if (!this.ctx.callbacks) throw errors.notImplemented('callback');
    return this.ctx.callbacks.parse(callback, first(headers, 'x-oss-callback-var') ?? q.get('callback-var'));
  }

  async #withCallback(parsed: unknown, meta: ObjectMeta, bucket: string, success: Reply): Promise<Reply> {
    if (parsed === undefined || !this.ctx.callbacks) return success;
    const result = await this.ctx.callbacks.run(parsed as ParsedCallback, {
      bucket, object: meta.key, etag: meta.etag.replace(/"/g, ''), size: meta.size, mimeType: meta.contentType,
    });
    const keep = { ETag: meta.etag, 'x-oss-hash-crc64ecma': meta.crc64 };
    if (result instanceof OssError) {
      return new Reply(203, { ...keep, 'Content-Type': 'application/xml', 'x-oss-ec': result.ec }, errorXml(result, newRequestId(), ''));
    }
    return new Reply(200, { ...keep, 'Content-Type': result.contentType }, result.body);
  }

  async #operation(op: string, bucket: string, key: string | undefined, q: Map<string, string>,
    headers: IncomingHttpHeaders, body: Readable, bucketUrl: string, record: CredentialRecord): Promise<Reply> {
    const store = this.ctx.store;
    const k = key ?? '';
    if (key !== undefined) {
      try {
        checkObjectName(key);
      } catch (err) {
        body.resume();
        throw err;
      }
    }
    const encode = q.get('encoding-type') === 'url';
    const enc = (s: string) => (encode ? encodeURIComponent(s) : s);
    const forbidOverwrite = first(headers, 'x-oss-forbid-overwrite')?.toLowerCase() === 'true';
    switch (op) {
      case 'PutObject': {
        const callback = await this.#callback(headers, q);
        const { userMeta, headers: kept } = collectMeta(headers);
        const expectedCrc = first(headers, 'x-oss-hash-crc64ecma');
        const meta = await store.put(bucket, k, body, {
          contentType: first(headers, 'content-type'), userMeta, headers: kept, forbidOverwrite,
          contentMd5: first(headers, 'content-md5'), maxSize: MAX_OBJECT_SIZE,
          beforeCommit: (m) => {
            if (expectedCrc !== undefined && expectedCrc !== m.crc64) {
              throw new OssError(400, 'InvalidCRC64', 'The CRC64 you specified did not match what we received.', {}, '0011-00000001');
            }
          },
        });
        return this.#withCallback(callback, meta, bucket, new Reply(200, { ETag: meta.etag, 'x-oss-hash-crc64ecma': meta.crc64, 'Content-MD5': Buffer.from(meta.etag.replace(/"/g, ''), 'hex').toString('base64') }));
      }
      case 'GetObject':
      case 'HeadObject':
      case 'GetObjectMeta': {
        const meta = store.head(bucket, k);
        await drain(body);
        if (!meta) throw errors.noSuchKey(k);
        if (op === 'GetObjectMeta') {
          return new Reply(200, { ETag: meta.etag, 'Content-Length': String(meta.size), 'Last-Modified': new Date(meta.lastModified).toUTCString(), 'x-oss-hash-crc64ecma': meta.crc64 });
        }
        // Conditions come before Range (RFC 7233 §3.1); a 412 is thrown, a 304 carries the validators.
        if (evaluateConditions(headers, meta) === 'not-modified') {
          return new Reply(304, { ETag: meta.etag, 'Last-Modified': new Date(meta.lastModified).toUTCString() });
        }
        const h = objectHeaders(meta);
        for (const [param, name] of [['response-content-type', 'Content-Type'], ['response-content-language', 'Content-Language'],
          ['response-expires', 'Expires'], ['response-cache-control', 'Cache-Control'],
          ['response-content-disposition', 'Content-Disposition'], ['response-content-encoding', 'Content-Encoding']] as const) {
          if (q.has(param)) h[name] = q.get(param)!;
        }
        let range = parseRange(first(headers, 'range'), meta.size);
        if (range === 'unsatisfiable' && first(headers, 'x-oss-range-behavior') !== 'standard') range = undefined;
        if (range === 'unsatisfiable') {
          throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied', { RangeRequested: first(headers, 'range') ?? '', ActualObjectSize: String(meta.size) }, '0003-00000034');
        }
        if (range) {
          h['Content-Range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
          h['Content-Length'] = String(range.end - range.start + 1);
          return new Reply(206, h, op === 'HeadObject' ? undefined : store.read(bucket, k, range));
        }
        h['Content-Length'] = String(meta.size);
        if (op === 'HeadObject' || meta.size === 0) return new Reply(200, h, op === 'HeadObject' ? undefined : Buffer.alloc(0));
        return new Reply(200, h, store.read(bucket, k));
      }
      case 'DeleteObject':
        await drain(body);
        await store.delete(bucket, k);
        return new Reply(204);
      case 'DeleteMultipleObjects': {
        let raw: Buffer;
        try {
          raw = await readBody(body, MAX_DELETE_BODY);
        } catch (err) {
          throw err instanceof OssError ? deleteErrors.bodyTooLarge() : err;
        }
        const request = parseDeleteRequest(raw, first(headers, 'content-md5'));
        request.keys.forEach(checkObjectName);
        // RAM authorizes oss:DeleteObject per key; OSS refuses the whole request (EC 0016-00000616), deleting nothing.
        const denied = request.keys.find((name) => !this.ctx.authorize(record, 'oss:DeleteObject', bucket, name));
        if (denied !== undefined) {
          throw errors.accessDenied('You have no right to access this object because of the policy of your security token.', {
            Action: 'oss:DeleteObject', Resource: `acs:oss:*:*:${bucket}/${denied}`,
          });
        }
        for (const name of request.keys) await store.delete(bucket, name);
        const result = deleteResultXml(request.keys, request.quiet, encode);
        return result === undefined ? new Reply(200, {}, '') : new Reply(200, { 'Content-Type': 'application/xml' }, result);
      }
      case 'ListObjects':
      case 'ListObjectsV2': {
        await drain(body);
        const v2 = op === 'ListObjectsV2';
        const maxKeysText = q.get('max-keys') ?? '100';
        const maxKeys = Number(maxKeysText);
        if (!/^\d+$/.test(maxKeysText) || maxKeys > 1000) throw errors.invalidArgument('max-keys must be an integer between 0 and 1000.', 'max-keys', maxKeysText);
        const prefix = q.get('prefix') ?? '';
        const delimiter = q.get('delimiter') ?? '';
        let after: string | undefined;
        if (v2) {
          const token = q.get('continuation-token');
          after = token ? Buffer.from(token, 'base64').toString('utf8') : q.get('start-after') || undefined;
        } else {
          after = q.get('marker') || undefined;
        }
        const r = store.list(bucket, { prefix, delimiter: delimiter || undefined, after, maxKeys });
        const contents = r.objects.map((o) => '<Contents>' + xmlElements({
          Key: enc(o.key), LastModified: o.lastModified, ETag: o.etag, Type: o.parts ? 'Multipart' : 'Normal', Size: o.size, StorageClass: 'Standard',
        }) + (v2 && q.get('fetch-owner') !== 'true' ? '' : '<Owner><ID>emulator</ID><DisplayName>emulator</DisplayName></Owner>') + '</Contents>').join('');
        const prefixes = r.prefixes.map((p) => `<CommonPrefixes><Prefix>${xmlEscape(enc(p))}</Prefix></CommonPrefixes>`).join('');
        const head = v2
          ? xmlElements({
            Name: bucket, Prefix: enc(prefix), StartAfter: q.has('start-after') ? enc(q.get('start-after')!) : undefined,
            ContinuationToken: q.get('continuation-token'), MaxKeys: maxKeys, Delimiter: enc(delimiter), EncodingType: encode ? 'url' : undefined,
            IsTruncated: r.isTruncated,
            NextContinuationToken: r.isTruncated && r.next ? Buffer.from(r.next).toString('base64') : undefined,
            KeyCount: r.objects.length + r.prefixes.length,
          })
          : xmlElements({
            Name: bucket, Prefix: enc(prefix), Marker: enc(q.get('marker') ?? ''), MaxKeys: maxKeys, Delimiter: enc(delimiter),
            EncodingType: encode ? 'url' : undefined, IsTruncated: r.isTruncated, NextMarker: r.isTruncated ? enc(r.next ?? '') : undefined,
          });
        return xmlReply(`<ListBucketResult>${head}${contents}${prefixes}</ListBucketResult>`);
      }
      case 'HeadBucket':
        await drain(body);
        return new Reply(200);
      case 'ListBuckets': {
        await drain(body);
        const buckets = store.buckets().map((b) => `<Bucket>${xmlElements({ Name: b, Location: `oss-${this.ctx.region}`, Region: this.ctx.region, StorageClass: 'Standard' })}</Bucket>`).join('');
        return xmlReply(`<ListAllMyBucketsResult><Owner><ID>emulator</ID><DisplayName>emulator</DisplayName></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`);
      }
      case 'InitiateMultipartUpload': {
        await drain(body);
        const { userMeta, headers: kept } = collectMeta(headers);
        const u = await store.initiate(bucket, k, { contentType: first(headers, 'content-type'), userMeta, headers: kept });
        return xmlReply(`<InitiateMultipartUploadResult>${xmlElements({ Bucket: bucket, Key: enc(k), UploadId: u.uploadId, EncodingType: encode ? 'url' : undefined })}</InitiateMultipartUploadResult>`);
      }
      case 'UploadPart': {
        const partText = q.get('partNumber') ?? '';
        const partNumber = Number(partText);
        if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
          await drain(body);
          throw errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive.', 'partNumber', partText);
        }
        let u: UploadMeta;
        try {
          u = store.upload(bucket, k, q.get('uploadId') ?? '');
        } catch (err) {
          await drain(body);
          throw err;
        }
        const part: PartMeta = await store.putPart(u, partNumber, body, { contentMd5: first(headers, 'content-md5') });
        return new Reply(200, { ETag: part.etag, 'x-oss-hash-crc64ecma': part.crc64 });
      }
      case 'CompleteMultipartUpload': {
        const u = store.upload(bucket, k, q.get('uploadId') ?? '');
        const callback = await this.#callback(headers, q);
        const raw = await readBody(body, 4 * 1024 * 1024);
        let list: Array<{ partNumber: number; etag: string }>;
        if (first(headers, 'x-oss-complete-all')?.toLowerCase() === 'yes') {
          if (raw.length) throw errors.invalidArgument('x-oss-complete-all must not have a body.', 'x-oss-complete-all', 'yes');
          list = (await store.parts(u)).map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
        } else {
          list = parseCompleteBody(raw);
        }
        const meta = await store.complete(u, list, { forbidOverwrite });
        return this.#withCallback(callback, meta, bucket, xmlReply(
          `<CompleteMultipartUploadResult>${xmlElements({ EncodingType: encode ? 'url' : undefined, Location: `${bucketUrl}/${encodeURI(k)}`, Bucket: bucket, Key: enc(k), ETag: meta.etag })}</CompleteMultipartUploadResult>`,
          { ETag: meta.etag, 'x-oss-hash-crc64ecma': meta.crc64 },
        ));
      }
      case 'AbortMultipartUpload': {
        await drain(body);
        await store.abort(store.upload(bucket, k, q.get('uploadId') ?? ''));
        return new Reply(204);
      }
      case 'ListParts': {
        await drain(body);
        const u = store.upload(bucket, k, q.get('uploadId') ?? '');
        const maxParts = Math.min(Number(q.get('max-parts') ?? 1000) || 1000, 1000);
        const marker = Number(q.get('part-number-marker') ?? 0) || 0;
        const all = (await store.parts(u)).filter((p) => p.partNumber > marker);
        const page = all.slice(0, maxParts);
        const truncated = all.length > page.length;
        return xmlReply(`<ListPartsResult>${xmlElements({
          Bucket: bucket, Key: enc(k), UploadId: u.uploadId, PartNumberMarker: marker,
          NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : marker, MaxParts: maxParts, IsTruncated: truncated,
          EncodingType: encode ? 'url' : undefined,
        })}${page.map((p) => `<Part>${xmlElements({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: p.etag, HashCrc64ecma: p.crc64, Size: p.size })}</Part>`).join('')}</ListPartsResult>`);
      }
      case 'ListMultipartUploads': {
        await drain(body);
        const query = {
          prefix: q.get('prefix') ?? '', delimiter: q.get('delimiter') ?? '', keyMarker: q.get('key-marker') ?? '',
          uploadIdMarker: q.get('upload-id-marker') ?? '', maxUploads: parseMaxUploads(q.get('max-uploads')),
        };
        const page = pageUploads(store.uploads(bucket), query);
        return xmlReply(`<ListMultipartUploadsResult>${xmlElements({
          Bucket: bucket, KeyMarker: enc(query.keyMarker), UploadIdMarker: query.uploadIdMarker,
          NextKeyMarker: enc(page.nextKeyMarker), NextUploadIdMarker: page.nextUploadIdMarker,
          Delimiter: enc(query.delimiter), Prefix: enc(query.prefix), MaxUploads: query.maxUploads, IsTruncated: page.isTruncated,
          EncodingType: encode ? 'url' : undefined,
        })}${page.uploads.map((u) => `<Upload>${xmlElements({ Key: enc(u.key), UploadId: u.uploadId, Initiated: u.initiated })}</Upload>`).join('')}${
          page.prefixes.map((p) => `<CommonPrefixes><Prefix>${xmlEscape(enc(p))}</Prefix></CommonPrefixes>`).join('')}</ListMultipartUploadsResult>`);
      }
      default:
        await drain(body);
        throw errors.notImplemented(op);
    }
  }
}

function xmlReply(body: string, headers: Record<string, string> = {}): Reply {
  return new Reply(200, { 'Content-Type': 'application/xml', ...headers }, xml(body));
}

/**
 * `bytes=a-b`, `bytes=a-`, `bytes=-n`. OSS ignores a malformed or unsatisfiable range and returns
 * the whole object, unless the request says `x-oss-range-behavior: standard`, which gives 416.
 */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

function parseCompleteBody(raw: Buffer): Array<{ partNumber: number; etag: string }> {
  let doc: unknown;
  try {
    const text = raw.toString('utf8');
    if (!text.trim().length) throw new Error('empty');
    doc = xmlParser.parse(text, true);
  } catch {
    throw errors.malformedXml();
  }
  const root = (doc as Record<string, unknown>)?.['CompleteMultipartUpload'] as Record<string, unknown> | undefined;
  const parts = root?.['Part'];
  if (!root || !Array.isArray(parts) || parts.length === 0) throw errors.malformedXml();
  return parts.map((p) => {
    const part = p as Record<string, unknown>;
    const num = String(part['PartNumber'] ?? '');
    const etag = part['ETag'];
    if (!/^\d+$/.test(num) || typeof etag !== 'string') throw errors.malformedXml();
    return { partNumber: Number(num), etag };
  });
}

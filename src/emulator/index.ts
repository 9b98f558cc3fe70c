// oss-upload/emulator: a local OSS that checks signatures, policies and tokens as OSS does.
import { createServer, validateHeaderName, validateHeaderValue, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CallbackService } from './callback.js';
import { Faults, type FaultConfig } from './faults.js';
import { handlePostObject } from './post-object.js';
import { errorXml, OssError } from './errors.js';
import { EmulatorServer, newRequestId, type RequestLogEntry } from './server.js';
import { StsService, evaluatePolicy } from './sts.js';
import { ObjectStore } from './store.js';
import type { CredentialLookup, CredentialRecord } from './types.js';

export type { FaultConfig, FailureRule } from './faults.js';
export type { RequestLogEntry } from './server.js';
export type { ObjectMeta } from './types.js';

/** Defaults a newcomer can use as they are. They are not secrets: the emulator is for development. */
export const DEFAULTS = {
  port: 9000,
  host: '127.0.0.1',
  bucket: 'demo',
  accessKeyId: 'LTAI5tEmulatorAccessKey',
  accessKeySecret: 'emulator-access-key-secret',
  region: 'cn-hangzhou',
  headersTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  /** As OSS. */
  callbackTimeoutMs: 5000,
} as const;

/** How long a socket refused at the HTTP level lives on, for its answer to reach the client. */
const CLIENT_ERROR_LINGER_MS = 1000;

function plainError(code: string, message: string): string {
  return errorXml(new OssError(400, code, message), newRequestId(), '');
}

/**
 * What insecureHTTPParser lets through besides Content-Length with Transfer-Encoding and a request
 * listener can still see; undefined for a well-formed request. (What it cannot see — bare CR or LF
 * line ends, a chunk's missing CRLF — the emulator accepts: README, "Limits and timeouts".)
 */
function refusal(req: IncomingMessage): string | undefined {
  if (req.httpVersion !== '1.1' && req.httpVersion !== '1.0') return `HTTP/${req.httpVersion} is not supported.`;
  let lengths = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      return `The header ${JSON.stringify(name.slice(0, 64))} is not valid.`;
    }
    if (name.toLowerCase() !== 'content-length') continue;
    lengths++;
    if (!/^\d+$/.test(value)) return 'Content-Length is not a number.';
  }
  if (lengths > 1) return 'Content-Length is given more than once.';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.split(',').at(-1)?.trim().toLowerCase() !== 'chunked') return 'Transfer-Encoding must end with chunked.';
  return undefined;
}

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. Default 9000. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Folder for objects, uploads, issued STS credentials and the callback key; a temporary folder (removed on close) when absent. */
  dataDir?: string;
  /** Buckets that exist on start. Default ['demo']. */
  buckets?: string[];
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Region id, as in the V4 scope (`cn-hangzhou`). */
  region?: string;
  /** Origins allowed by the CORS rule; default any (`*`), for development. */
  corsOrigins?: string[];
  /** Expose `ETag` to browsers (default true). False reproduces the common bucket CORS misconfiguration. */
  exposeEtag?: boolean;
  /** Smallest DurationSeconds AssumeRole accepts (real STS: 900). Lower it to watch tokens expire in tests. */
  stsMinDurationSeconds?: number;
  /** Largest DurationSeconds AssumeRole accepts (default 3600). */
  stsMaxDurationSeconds?: number;
  /** Time an upload callback may take (default 5000 ms, as OSS). */
  callbackTimeoutMs?: number;
  /**
   * Time a client has to send a request's head, from its connection (or its first byte after an
   * idle kept-alive connection); then 400 RequestTimeout and the connection closes. Default 60000 ms.
   */
  headersTimeoutMs?: number;
  /**
   * Longest silence of a client the emulator waits on: body bytes that stop coming, or an answer the
   * client stops reading; then the request ends (400 RequestTimeout while the body was awaited). A
   * body that keeps coming may take as long as it needs, and time the emulator holds a request
   * itself (faults, callbacks) does not count. Default 60000 ms; 0 waits forever.
   */
  idleTimeoutMs?: number;
  faults?: FaultConfig;
  /** A clock for the emulator (ms since the epoch). */
  now?: () => number;
}

export interface RunningEmulator {
  /** `http://HOST:PORT` — also `http://localhost:PORT` works, and `http://BUCKET.localhost:PORT` virtual-hosted. */
  url: string;
  host: string;
  port: number;
  dataDir: string;
  buckets: string[];
  accessKeyId: string;
  accessKeySecret: string;
  region: string;
  /** Sets the fault injection (same as PUT /_emulator/faults). */
  setFaults(config: FaultConfig): void;
  /** Every request handled since start (or the last clear), newest last. */
  requests(): RequestLogEntry[];
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? DEFAULTS.host;
  const buckets = options.buckets?.length ? options.buckets : [DEFAULTS.bucket];
  const accessKeyId = options.accessKeyId ?? DEFAULTS.accessKeyId;
  const accessKeySecret = options.accessKeySecret ?? DEFAULTS.accessKeySecret;
  const region = (options.region ?? DEFAULTS.region).replace(/^oss-/, '');
  const now = options.now ?? Date.now;
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir !== undefined ? resolve(options.dataDir) : await mkdtemp(join(tmpdir(), 'oss-emulator-'));

  const store = new ObjectStore(dataDir);
  await store.init(buckets);
  const sts = new StsService({
    rootCredentials: [{ accessKeyId, accessKeySecret }],
    minDurationSeconds: options.stsMinDurationSeconds,
    maxDurationSeconds: options.stsMaxDurationSeconds,
    dataDir,
    now,
  });
  const credentials: CredentialLookup = sts;
  const faults = new Faults(options.faults);
  const log: RequestLogEntry[] = [];
  const authorize = (record: CredentialRecord, action: string, bucket: string, key: string) =>
    evaluatePolicy(record.policy, action, bucket, key);

  let callbacks: CallbackService | undefined;
  const headersTimeout = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const server: Server = createServer({
    maxHeaderSize: 16 * 1024,
    // Lets a body with both Content-Length and Transfer-Encoding: chunked through, read by its chunks
    // as OSS reads it; what else the option lets through is refused by refusal() below.
    insecureHTTPParser: true,
    // Long uploads under a bandwidth cap must not be cut by Node's request timeout: the idle timeout guards bodies.
    requestTimeout: 0,
    headersTimeout,
    // Node checks headersTimeout only this often (30 s by default, which let slow heads live 90 s).
    connectionsCheckingInterval: Math.min(Math.max(Math.floor(headersTimeout / 4), 20), 1000),
  });
  const emulator = new EmulatorServer({
    credentials, region, now, store, faults, sts, log, authorize,
    postObject: handlePostObject,
    get callbacks() {
      return callbacks;
    },
    corsOrigins: options.corsOrigins?.length ? options.corsOrigins : ['*'],
    exposeEtag: options.exposeEtag ?? true,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
  });
  /** Sockets whose connection ends with the answer in hand: a request behind it is never handled. */
  const closing = new WeakSet<Socket>();
  server.on('connection', (socket: Socket) => {
    // Node reports socket errors through clientError; this listener only guarantees none is ever uncaught.
    socket.on('error', () => {});
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Left unanswered: the socket closes once the answer before it is out.
    if (closing.has(req.socket)) return;
    const refused = refusal(req);
    if (refused !== undefined) {
      closing.add(req.socket);
      return void res.writeHead(400, { 'Content-Type': 'application/xml', Connection: 'close' }).end(plainError('MalformedRequest', refused));
    }
    // RFC 9112 §6.3: a request with both Transfer-Encoding and Content-Length is read by its chunks, and then
    // the connection closes, so that no request smuggled behind it is ever read.
    if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] !== undefined) {
      closing.add(req.socket);
      res.setHeader('Connection', 'close');
    }
    emulator.listener(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Every way out destroys the socket: an answered socket left half-open lives as long as its client wants.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = timeout ? plainError('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.')
      : tooLarge ? plainError('InvalidArgument', 'Your request header section exceeds the maximum allowed size.')
        : plainError('MalformedRequest', 'The request could not be parsed.');
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    // A moment for the answer to reach the client before the socket goes.
    const timer = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULTS.port, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  callbacks = new CallbackService({
    timeoutMs: options.callbackTimeoutMs ?? DEFAULTS.callbackTimeoutMs,
    publicKeyUrl: `${url}/_emulator/callback-public-key.pem`,
    dataDir,
  });

  return {
    url, host, port, dataDir, buckets: store.buckets(), accessKeyId, accessKeySecret, region,
    setFaults: (config) => faults.set(config),
    requests: () => [...log],
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

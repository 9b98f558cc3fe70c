// oss-upload/emulator: a local OSS that checks signatures, policies and tokens as OSS does.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CallbackService } from './callback.js';
import { Faults, type FaultConfig } from './faults.js';
import { handlePostObject } from './post-object.js';
import { EmulatorServer, type RequestLogEntry } from './server.js';
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
} as const;

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
  const server: Server = createServer({ maxHeaderSize: 16 * 1024 });
  const emulator = new EmulatorServer({
    credentials, region, now, store, faults, sts, log, authorize,
    postObject: handlePostObject,
    get callbacks() {
      return callbacks;
    },
    corsOrigins: options.corsOrigins?.length ? options.corsOrigins : ['*'],
    exposeEtag: options.exposeEtag ?? true,
  });
  server.on('request', emulator.listener);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const code = tooLarge ? 'InvalidArgument' : 'MalformedRequest';
    const message = tooLarge ? 'Your request header section exceeds the maximum allowed size.' : 'The request could not be parsed.';
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>000000000000000000000000</RequestId><HostId></HostId></Error>\n`;
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  // Long uploads under a bandwidth cap must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULTS.port, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  callbacks = new CallbackService({
    timeoutMs: options.callbackTimeoutMs,
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

// The demo stack: the OSS emulator (or real OSS from the environment), an app server that mounts
// the oss-upload/server handlers, and the demo page through Vite. `npm start` runs it; a Node test
// opens it in Chromium and uploads through the widget.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import OSS from 'ali-oss';
import { createServer as createVite, type ViteDevServer } from 'vite';
import { startEmulator, DEFAULTS, type RunningEmulator } from '../src/emulator/index.js';
import {
  createProxyHandler, createSignHandler, createStsHandler, jsonResponse, toNodeListener, type FetchHandler,
} from '../src/server/index.js';

export interface DemoOptions {
  /** Port of the page (Vite); 0 picks a free one. Default 5173, or a free one when taken. */
  port?: number;
  /** Port of the emulator. Default 9000, or a free one when taken. */
  emulatorPort?: number;
  /** Emulator data folder. Default `.oss-data`. */
  dataDir?: string;
  /** Environment to read OSS_* from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningDemo {
  url: string;
  appUrl: string;
  mode: 'emulator' | 'oss';
  bucket: string;
  emulator?: RunningEmulator;
  close(): Promise<void>;
}

interface OssTarget {
  bucket: string;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where the browser posts forms (path-style for the emulator). */
  postHost: string;
  /** For the server's own ali-oss client (listing, links). */
  client: OSS;
  /** The OSS endpoint the app server uploads to (the proxy): absent, OSS's own for the region. */
  endpoint?: string;
  /** The sts strategy: the role to assume, where STS is, and the OSS endpoint the browser uses (unless OSS's own). */
  sts?: { roleArn: string; stsEndpoint?: string; endpoint?: string };
}

/** The demo's user: in a real app, the prefix comes from the signed-in user's session. */
const USER_PREFIX = 'demo/user-1/';

async function listen(server: Server, port: number, fallback: boolean): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    if (!fallback || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return listen(server, 0, false);
  }
  return (server.address() as AddressInfo).port;
}

async function target(options: DemoOptions): Promise<{ oss: OssTarget; emulator?: RunningEmulator }> {
  const env = options.env ?? process.env;
  if (env['OSS_BUCKET'] && env['OSS_REGION'] && env['OSS_ACCESS_KEY_ID'] && env['OSS_ACCESS_KEY_SECRET']) {
    const region = env['OSS_REGION'].replace(/^oss-/, '');
    const oss = {
      bucket: env['OSS_BUCKET'], region, accessKeyId: env['OSS_ACCESS_KEY_ID'], accessKeySecret: env['OSS_ACCESS_KEY_SECRET'],
      postHost: `https://${env['OSS_BUCKET']}.oss-${region}.aliyuncs.com`,
    };
    const roleArn = env['OSS_STS_ROLE_ARN'];
    return {
      oss: {
        ...oss, client: new OSS({ ...oss, region: `oss-${region}`, secure: true, authorizationV4: true }),
        sts: roleArn ? { roleArn } : undefined,
      },
    };
  }
  const emuOptions = { dataDir: options.dataDir ?? '.oss-data', stsMinDurationSeconds: 60 };
  const emulator = await startEmulator({ ...emuOptions, port: options.emulatorPort ?? DEFAULTS.port }).catch((err: NodeJS.ErrnoException) => {
    if (options.emulatorPort === undefined && err.code === 'EADDRINUSE') return startEmulator({ ...emuOptions, port: 0 });
    throw err;
  });
  const bucket = emulator.buckets[0]!;
  const client = new OSS({
    endpoint: `http://localhost:${emulator.port}`, sldEnable: true, secure: false, bucket, region: `oss-${emulator.region}`,
    accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret, authorizationV4: true,
  } as OSS.Options);
  return {
    emulator,
    oss: {
      bucket, region: emulator.region, accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret,
      postHost: `${emulator.url}/${bucket}`, client, endpoint: `http://localhost:${emulator.port}`,
      // The emulator's own AssumeRole; the browser reaches the emulator by hostname, path-style.
      sts: { roleArn: 'acs:ram::1234567890123456:role/oss-upload-demo', stsEndpoint: `${emulator.url}/_sts`, endpoint: `http://localhost:${emulator.port}` },
    },
  };
}

/** The app server's routes: the handlers of oss-upload/server plus the demo's object list. */
export function appRoutes(oss: OssTarget): Record<string, FetchHandler> {
  const common = {
    accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret, bucket: oss.bucket, region: oss.region,
    host: oss.postHost, prefix: USER_PREFIX, allowedDirs: ['images', 'documents'],
  };
  return {
    '/api/sign': createSignHandler(common),
    '/api/sign-v1': createSignHandler({ ...common, signatureVersion: 'v1' }),
    '/api/sts': oss.sts
      ? createStsHandler({
        accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret, bucket: oss.bucket, region: oss.region,
        roleArn: oss.sts.roleArn, stsEndpoint: oss.sts.stsEndpoint, endpoint: oss.sts.endpoint,
        prefix: USER_PREFIX, allowedDirs: common.allowedDirs,
      })
      : async () => jsonResponse(503, { code: 'StsNotConfigured', message: 'Set OSS_STS_ROLE_ARN to use the sts strategy against real OSS.' }),
    // The file comes through the app server, which streams it on to OSS (no CORS rule needed).
    '/api/proxy': createProxyHandler({
      accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret, bucket: oss.bucket, region: oss.region,
      endpoint: oss.endpoint, prefix: USER_PREFIX, allowedDirs: common.allowedDirs,
    }),
    '/api/objects': async () => {
      const listed = await oss.client.list({ prefix: USER_PREFIX, 'max-keys': 100 }, {});
      const objects = await Promise.all((listed.objects ?? []).map(async (o) => ({
        key: o.name, size: o.size, lastModified: o.lastModified,
        url: await oss.client.signatureUrlV4('GET', 3600, undefined, o.name),
      })));
      objects.sort((a, b) => (a.lastModified < b.lastModified ? 1 : -1));
      return jsonResponse(200, { bucket: oss.bucket, objects });
    },
  };
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const { oss, emulator } = await target(options);
  const routes = appRoutes(oss);
  const listeners = Object.fromEntries(Object.entries(routes).map(([path, handler]) => [path, toNodeListener(handler)]));
  const app = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const listener = listeners[path];
    if (listener) return listener(req, res);
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'NotFound', message: `No route ${path}` }));
  });
  // Node gives a whole request 300 s by default: too little for a large file through /api/proxy.
  app.requestTimeout = 0;
  const appPort = await listen(app, 0, false);
  const appUrl = `http://127.0.0.1:${appPort}`;

  let vite: ViteDevServer | undefined;
  try {
    vite = await createVite({
      configFile: false,
      root: fileURLToPath(new URL('.', import.meta.url)),
      logLevel: 'warn',
      clearScreen: false,
      server: {
        host: '127.0.0.1',
        port: options.port ?? 5173,
        strictPort: options.port !== undefined,
        proxy: { '/api': appUrl },
      },
    });
    // The page's requests to /api/proxy pass through Vite's server too: no 300 s limit there either.
    if (vite.httpServer && 'requestTimeout' in vite.httpServer) vite.httpServer.requestTimeout = 0;
    await vite.listen();
  } catch (err) {
    app.close();
    await emulator?.close();
    throw err;
  }
  const address = vite.httpServer?.address() as AddressInfo;
  return {
    url: `http://localhost:${address.port}/`,
    appUrl,
    mode: emulator ? 'emulator' : 'oss',
    bucket: oss.bucket,
    emulator,
    async close() {
      await vite?.close();
      await new Promise<void>((r) => {
        app.close(() => r());
        app.closeAllConnections();
      });
      await emulator?.close();
    },
  };
}

// Extra servers for the browser tests, and how their addresses reach the test pages.
//
// web-test-runner.config.mjs adds every plugin in `plugins` below to Web Test Runner's dev
// server. A plugin can:
//   - start a server in `serverStart()` and stop it in `serverStop()` (both may be async);
//   - hand values to the browser through the virtual module `/__env.js`, which a test imports:
//       import { env } from '/__env.js';
//     (its type is declared in test/browser/env.d.ts; keep the two in step).
//
// Later issues add a plugin here that starts the local OSS emulator (src/emulator) on
// 127.0.0.1 with a free port in serverStart, puts its URL into `env`, and closes it in
// serverStop. The test pages are served from localhost:8000, so such a server is cross-origin
// and must answer CORS preflights. Sketch:
//
//   import { startEmulator } from '../../src/emulator/index.ts'; // whatever it exports
//   let emulator;
//   export const plugins = [
//     {
//       name: 'oss-emulator',
//       async serverStart() {
//         emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
//         env.ossEndpoint = `http://localhost:${emulator.port}`;
//       },
//       async serverStop() { await emulator?.close(); },
//     },
//     envPlugin(),
//   ];
//
// To add a value: set a property on `env` (below) before the tests start, i.e. at module load
// or in some plugin's serverStart() (all serverStart hooks finish before any test page loads),
// and add the property's type to test/browser/env.d.ts. Values must be JSON-serialisable.

import { stsPlugin } from './sts-servers.mjs'; // the sts endpoints and a second emulator that hides ETag
import { proxyPlugin } from './proxy-servers.mjs'; // the proxy endpoints (createProxyHandler → the emulator)
import { inputPlugin } from './input-servers.mjs'; // folders dropped and chosen for real (DevTools protocol)
import { mediaPlugin } from './theme-servers.mjs'; // forced colours, coarse pointers and screenshots (DevTools protocol)

/** Values served to the browser as `export const env = {...}` from `/__env.js`. */
export const env = {};

/** Serves `env` as the virtual module `/__env.js`. */
export function envPlugin() {
  return {
    name: 'oss-upload-env',
    serve(context) {
      if (context.path === '/__env.js') {
        return {
          body: `export const env = ${JSON.stringify(env)};\n`,
          type: 'js',
          headers: { 'cache-control': 'no-store' },
        };
      }
      return undefined;
    },
  };
}

/**
 * Starts the local OSS emulator (the TypeScript source, through tsx) for the browser tests, on
 * 127.0.0.1 with a free port, and hands its address and development credentials to the pages.
 */
export function emulatorPlugin() {
  let emulator;
  return {
    name: 'oss-emulator',
    async serverStart() {
      const { tsImport } = await import('tsx/esm/api');
      const { startEmulator } = await tsImport('../../src/emulator/index.ts', import.meta.url);
      emulator = await startEmulator({ host: '127.0.0.1', port: 0, stsMinDurationSeconds: 1 });
      Object.assign(env, {
        // ali-oss needs a hostname (with an IP it drops the bucket): localhost, path-style.
        ossEndpoint: `http://localhost:${emulator.port}`,
        emulatorUrl: emulator.url,
        bucket: emulator.buckets[0],
        region: emulator.region,
        // The emulator's development pair: only the ali-oss peer tests use it in the page.
        accessKeyId: emulator.accessKeyId,
        accessKeySecret: emulator.accessKeySecret,
      });
    },
    async serverStop() {
      await emulator?.close();
    },
  };
}

/**
 * Routes these paths (`{path: (req, res) => void}`) on the dev server's HTTP server, in front of
 * what handles requests there now. The dev server composed its Koa middleware before serverStart
 * (app.use now would be ignored), and its plugin serve() hook can only answer 200: so test
 * endpoints are routed in front of Koa, on the HTTP server itself.
 */
export function routeInFront(server, listeners) {
  const previous = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const listener = listeners[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (listener) return listener(req, res);
    for (const l of previous) l.call(server, req, res);
  });
}

/** A handler for signed-in callers only: the rest get 401 JSON. */
export const signedIn = {
  /** Needs `Authorization: Bearer let-me-in` (what a test's `requestHeaders` sends). */
  bearer: (handler) => (request) => request.headers.get('authorization') === 'Bearer let-me-in'
    ? handler(request)
    : Response.json({ code: 'Unauthorized', message: 'Sign in first.' }, { status: 401 }),
  /** Needs the cookie `session=ok` (what a test sets on the page). */
  cookie: (handler) => (request) => /(^|;\s*)session=ok(;|$)/.test(request.headers.get('cookie') ?? '')
    ? handler(request)
    : Response.json({ code: 'NoSession', message: 'No session cookie.' }, { status: 401 }),
};

/**
 * Serves sign endpoints (oss-upload/server's `createSignHandler`, from the TypeScript source) on
 * the test pages' own origin, pointed at the emulator path-style (`http://127.0.0.1:PORT/<bucket>`).
 * Each variant is one path (`env.sign` lists them): `/sign` (V4), `/sign-v1` (Alibaba's sample
 * format), `/sign-expired`, `/sign-short` (30 s policy), `/sign-limits` (10 B–1 KiB, text/plain or
 * image/png), `/sign-lenient` (the same policy, but the server never sees size and type),
 * `/sign-callback`, `/sign-auth` (401 unless `Authorization: Bearer let-me-in`), `/sign-cookie` (401 unless
 * the cookie `session=ok` came along), `/sign-garbage`
 * (malformed JSON), `/sign-truncated` (JSON cut off by a closed connection), `/sign-html`, `/sign-flaky` (503 every other call). `GET /__sign-calls`
 * counts the requests each path received (`DELETE` resets). `/__oss-callback` is the app server
 * OSS calls back. Must come after emulatorPlugin (it reads the emulator's address from `env`).
 */
export function signPlugin() {
  const calls = new Map();
  return {
    name: 'oss-sign-endpoints',
    async serverStart({ server, config }) {
      const { tsImport } = await import('tsx/esm/api');
      const { createSignHandler } = await tsImport('../../src/server/sign.ts', import.meta.url);
      const { toNodeListener } = await tsImport('../../src/server/node.ts', import.meta.url);
      const json = (status, body, type = 'application/json') => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        // Content-Length: OSS (and the emulator) refuse a callback answer without one.
        const headers = { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) };
        return new Response(text, { status, headers });
      };
      const base = {
        accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret, bucket: env.bucket, region: env.region,
        host: `${env.emulatorUrl}/${env.bucket}`, prefix: 'uploads/', allowedDirs: ['images', 'docs'],
      };
      const limits = { minSize: 10, maxSize: 1024, contentTypes: ['text/plain', 'image/png'] };
      const v4 = createSignHandler(base);
      // The same limits, but the server never sees the file's size or type (as Alibaba's sample
      // server): only the policy stops a wrong file, on OSS.
      const lenient = createSignHandler({ ...base, ...limits });
      const routes = {
        '/sign': v4,
        '/sign-v1': createSignHandler({ ...base, signatureVersion: 'v1' }),
        // Signed an hour ago with the default 10-minute lifetime: OSS says "Policy expired".
        '/sign-expired': createSignHandler({ ...base, now: () => new Date(Date.now() - 3600_000) }),
        // A policy OSS accepts but that the element must not keep (valid for less than a minute).
        '/sign-short': createSignHandler({ ...base, expiresIn: 30 }),
        '/sign-limits': createSignHandler({ ...base, ...limits }),
        '/sign-callback': createSignHandler({
          ...base, callback: { url: `http://127.0.0.1:${config.port}/__oss-callback`, bodyType: 'application/json' },
        }),
        '/sign-lenient': (request) => {
          const url = new URL(request.url);
          url.searchParams.delete('size');
          url.searchParams.delete('type');
          return lenient(new Request(url, { headers: request.headers }));
        },
        '/sign-auth': signedIn.bearer(v4),
        // 401 unless the page's cookie came along (same-origin fetches send it by default).
        '/sign-cookie': signedIn.cookie(v4),
        '/sign-garbage': () => json(200, '{"host": "http://127.0.0.1/'),
        '/sign-html': () => json(200, '<!doctype html><title>Index</title>', 'text/html'),
        // JSON cut off mid-answer: the connection closes after the first bytes (writeResponse destroys it).
        '/sign-truncated': () => new Response(new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"host": "http://127.0.0.1/'));
            setTimeout(() => controller.error(new Error('cut off')), 50);
          },
        }), { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } }),
        // 503 on every other request: retried, then fine.
        '/sign-flaky': (request) => calls.get('/sign-flaky') % 2 === 1 ? json(503, { code: 'Busy', message: 'Try again.' }) : v4(request),
        '/__sign-calls': (request) => {
          if (request.method === 'DELETE') calls.clear();
          return json(200, Object.fromEntries(calls));
        },
        '/__oss-callback': async (request) => json(200, { ok: true, received: await request.json() }),
      };
      const listeners = Object.fromEntries(Object.entries(routes).map(([path, handler]) => [path, toNodeListener(async (request) => {
        if (path.startsWith('/sign')) calls.set(path, (calls.get(path) ?? 0) + 1);
        return handler(request);
      })]));
      routeInFront(server, listeners);
      env.sign = Object.keys(routes).filter((p) => p.startsWith('/sign'));
    },
  };
}

/** @type {import('@web/test-runner').TestRunnerPlugin[]} */
export const plugins = [emulatorPlugin(), signPlugin(), stsPlugin(), proxyPlugin(), inputPlugin(), mediaPlugin(), envPlugin()];

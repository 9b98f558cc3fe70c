// The sts endpoints of the browser tests (oss-upload/server's createStsHandler against the
// emulator's /_sts), on the test pages' own origin, and a second emulator whose CORS rule does
// not expose ETag. Mounted by test/browser/servers.mjs after the emulator and sign plugins (it
// reads the emulator's address from `env`, and routes in front of what is already there).
//
//   /sts              900 s credentials for `uploads/` (dirs `images`, `docs` allowed)
//   /sts-short        4 s credentials (the emulator's minimum is lowered to 1 s for the tests)
//   /sts-hidden       4 s credentials whose answer leaves `expiration` out: only OSS's refusal refreshes them
//   /sts-raw          STS's own PascalCase `Credentials` only (bucket and region come from the page)
//   /sts-longterm     the emulator's long-term pair, no token (must be refused by the strategy)
//   /sts-expired      the same credentials every time, already expired (a server that keeps them
//                     past their Expiration): the first call waits until they have expired
//   /sts-noetag       credentials for the second emulator, which hides ETag from the page
//   GET /__sts-calls  how many times each path was called (DELETE resets)
import { env, routeInFront } from './servers.mjs';

const ROLE = 'acs:ram::1234567890123456:role/uploader';

export function stsPlugin() {
  const calls = new Map();
  let noEtag;
  return {
    name: 'oss-sts-endpoints',
    async serverStart({ server }) {
      const { tsImport } = await import('tsx/esm/api');
      const { startEmulator } = await tsImport('../../src/emulator/index.ts', import.meta.url);
      const { createStsHandler } = await tsImport('../../src/server/sts.ts', import.meta.url);
      const { toNodeListener } = await tsImport('../../src/server/node.ts', import.meta.url);
      noEtag = await startEmulator({ host: '127.0.0.1', port: 0, stsMinDurationSeconds: 1, exposeEtag: false });
      env.noEtagUrl = noEtag.url;

      const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });
      const base = {
        accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret, roleArn: ROLE,
        bucket: env.bucket, region: env.region, endpoint: env.ossEndpoint, stsEndpoint: `${env.emulatorUrl}/_sts`,
        prefix: 'uploads/', allowedDirs: ['images', 'docs'],
      };
      const short = createStsHandler({ ...base, durationSeconds: 4 });
      const sts = createStsHandler(base);
      const oneSecond = createStsHandler({ ...base, durationSeconds: 1 });
      let expired;
      const routes = {
        '/sts': sts,
        '/sts-short': short,
        '/sts-hidden': async (request) => {
          const answer = await (await short(request)).json();
          delete answer.expiration;
          return json(200, answer);
        },
        '/sts-raw': async (request) => {
          const a = await (await sts(request)).json();
          return json(200, { AccessKeyId: a.accessKeyId, AccessKeySecret: a.accessKeySecret, SecurityToken: a.stsToken, Expiration: a.expiration });
        },
        '/sts-expired': async (request) => {
          expired ??= (async () => {
            const answer = await (await oneSecond(request)).json();
            await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(answer.expiration) - Date.now()) + 200));
            return answer;
          })();
          return json(200, await expired);
        },
        '/sts-longterm': () => json(200, {
          accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret, bucket: env.bucket, region: env.region, endpoint: env.ossEndpoint, dir: 'uploads/',
        }),
        '/sts-noetag': createStsHandler({
          ...base, accessKeyId: noEtag.accessKeyId, accessKeySecret: noEtag.accessKeySecret,
          endpoint: `http://localhost:${noEtag.port}`, stsEndpoint: `${noEtag.url}/_sts`,
        }),
        '/__sts-calls': (request) => {
          if (request.method === 'DELETE') calls.clear();
          return json(200, Object.fromEntries(calls));
        },
      };
      const listeners = Object.fromEntries(Object.entries(routes).map(([path, handler]) => [path, toNodeListener(async (request) => {
        if (path.startsWith('/sts')) calls.set(path, (calls.get(path) ?? 0) + 1);
        return handler(request);
      })]));
      routeInFront(server, listeners); // the dev server's Koa stack is fixed by now
      env.sts = Object.keys(routes).filter((p) => p.startsWith('/sts'));
    },
    async serverStop() {
      await noEtag?.close();
    },
  };
}

// The proxy endpoints of the browser tests: oss-upload/server's createProxyHandler on the test
// pages' own origin, streaming to the emulator (`http://localhost:PORT`, path-style, with the
// emulator's credentials). Mounted by test/browser/servers.mjs after the emulator plugin (it reads
// the emulator's address from `env`), routed in front of the dev server like the sign endpoints.
//
//   /proxy            prefix `uploads/`, dirs `images` and `docs`; 1 MiB parts, 2 in flight (so
//                     a few MiB already go multipart)
//   /proxy-small      at most 64 KiB per file (→ 413 FileTooLarge)
//   /proxy-types      text/plain and image/* only (→ 415 ContentTypeNotAllowed)
//   /proxy-auth       401 unless `Authorization: Bearer let-me-in`
//   /proxy-cookie     401 unless the cookie `session=ok` came along
//   /proxy-nginx-413  a reverse proxy's 413: an HTML page, the body not read
import { env, routeInFront, signedIn } from './servers.mjs';

export function proxyPlugin() {
  return {
    name: 'oss-proxy-endpoints',
    async serverStart({ server }) {
      const { tsImport } = await import('tsx/esm/api');
      const { createProxyHandler } = await tsImport('../../src/server/proxy.ts', import.meta.url);
      const { toNodeListener } = await tsImport('../../src/server/node.ts', import.meta.url);
      const base = {
        accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret, bucket: env.bucket, region: env.region,
        endpoint: env.ossEndpoint, prefix: 'uploads/', allowedDirs: ['images', 'docs'], partSize: 1024 * 1024, parallel: 2,
      };
      const proxy = createProxyHandler(base);
      const routes = {
        '/proxy': proxy,
        '/proxy-small': createProxyHandler({ ...base, maxSize: 64 * 1024 }),
        '/proxy-types': createProxyHandler({ ...base, contentTypes: ['text/plain', 'image/*'] }),
        '/proxy-auth': signedIn.bearer(proxy),
        '/proxy-cookie': signedIn.cookie(proxy),
        '/proxy-nginx-413': () => new Response('<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>', {
          status: 413, headers: { 'Content-Type': 'text/html' },
        }),
      };
      routeInFront(server, Object.fromEntries(Object.entries(routes).map(([path, handler]) => [path, toNodeListener(handler)])));
      env.proxy = Object.keys(routes);
    },
  };
}

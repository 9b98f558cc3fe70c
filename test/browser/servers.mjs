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

/** @type {import('@web/test-runner').TestRunnerPlugin[]} */
export const plugins = [emulatorPlugin(), envPlugin()];

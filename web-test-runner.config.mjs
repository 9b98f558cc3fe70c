// Web Test Runner: browser tests in Debian's Chromium (no browser is ever downloaded).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { summaryLineReporter } from './scripts/wtr-summary-reporter.mjs';

// Hook point for extra servers (the OSS emulator) and the `/__env.js` virtual module: see
// test/browser/servers.mjs. Optional: without that file there are no extra plugins.
let serverPlugins = [];
try {
  ({ plugins: serverPlugins = [] } = await import('./test/browser/servers.mjs'));
} catch (error) {
  if (!(error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('servers.mjs'))) throw error;
}

const chromiumFlags = [
  '--no-sandbox', // we run as root
  '--headless=new',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking', // without these it keeps trying the closed network
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default {
  rootDir: '.',
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  plugins: [
    // tsconfig.json is read as it is (esbuild ignores `extends`): it carries
    // experimentalDecorators / useDefineForClassFields for Lit's legacy decorators.
    esbuildPlugin({ ts: true, tsconfig: './tsconfig.json', target: 'auto' }),
    ...serverPlugins,
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: chromiumFlags,
      },
    }),
  ],
  // One page at a time: upload tests share one emulator and some measure timing.
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 120_000,
  testsStartTimeout: 120_000,
  testsFinishTimeout: 300_000,
  testFramework: {
    config: { timeout: 60_000 },
  },
  reporters: [defaultReporter(), summaryLineReporter()],
};

// `npm start`: the local development stack. It starts the embedded OSS emulator (no cloud account
// needed) on port 9000, or a free port when 9000 is taken, with its data in .oss-data/.
// The demo page and the app server with the sign/sts/proxy handlers join it as their issues land.
import { startEmulator, DEFAULTS } from '../src/emulator/index.js';

async function start() {
  const options = { dataDir: '.oss-data', stsMinDurationSeconds: 60 };
  const emulator = await startEmulator({ ...options, port: DEFAULTS.port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return startEmulator({ ...options, port: 0 });
  });
  process.stdout.write(
    `\nOSS emulator: ${emulator.url}  (bucket ${emulator.buckets.join(', ')}, region ${emulator.region}, data ${emulator.dataDir})\n`
    + `  AccessKeyId ${emulator.accessKeyId}  AccessKeySecret ${emulator.accessKeySecret}\n`
    + `  objects: ${emulator.url}/_emulator/objects   open uploads: ${emulator.url}/_emulator/uploads   STS: ${emulator.url}/_sts\n`
    + `Press Ctrl+C to stop.\n`,
  );
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

start().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

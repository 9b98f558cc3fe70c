// `npm start`: the demo page, its app server and the embedded OSS emulator (no cloud account needed).
// With OSS_REGION, OSS_BUCKET, OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET set, it talks to real OSS.
import { startDemo } from './app.js';

startDemo().then((demo) => {
  const emu = demo.emulator;
  process.stdout.write(
    `\n  oss-upload demo: ${demo.url}\n`
    + (emu
      ? `  OSS emulator:    ${emu.url}  (bucket ${emu.buckets.join(', ')}, region ${emu.region}, data ${emu.dataDir})\n`
        + `                   objects: ${emu.url}/_emulator/objects  open uploads: ${emu.url}/_emulator/uploads\n`
      : `  Alibaba Cloud OSS bucket ${demo.bucket} (from OSS_* variables)\n`)
    + `  app server:      ${demo.appUrl}  (/api/sign, /api/sign-v1, /api/sts, /api/objects)\n\n  Press Ctrl+C to stop.\n`,
  );
  const stop = () => void demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}, (err: unknown) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

// The `oss-upload-emulator` command.
import { parseArgs } from 'node:util';
import { DEFAULTS, startEmulator } from './index.js';

const USAGE = `Usage: oss-upload-emulator [options]

A local Alibaba Cloud OSS for development and tests: it checks V1/V4 signatures, PostObject
policies and STS tokens as OSS does, and stores objects under --data.

Options:
  --port N                 port to listen on; 0 picks a free one (default ${DEFAULTS.port})
  --host ADDR              interface to listen on (default ${DEFAULTS.host})
  --data DIR               folder for objects; survives restarts (default: a temporary folder)
  --bucket NAME            a bucket that exists on start; repeat for more (default ${DEFAULTS.bucket})
  --access-key-id ID       the long-term AccessKeyId it accepts (default ${DEFAULTS.accessKeyId})
  --access-key-secret S    its secret (default ${DEFAULTS.accessKeySecret})
  --region REGION          region id for V4 signatures (default ${DEFAULTS.region})
  --cors-origin ORIGIN     an allowed CORS origin; repeat for more (default: any)
  --no-expose-etag         leave ETag out of Access-Control-Expose-Headers (a common misconfiguration)
  --sts-min-duration S     smallest AssumeRole DurationSeconds (default 900)
  -h, --help               this text
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      bucket: { type: 'string', multiple: true },
      'access-key-id': { type: 'string' },
      'access-key-secret': { type: 'string' },
      region: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'no-expose-etag': { type: 'boolean' },
      'sts-min-duration': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be 0…65535, not ${values.port}`);
  const emulator = await startEmulator({
    port,
    host: values.host,
    dataDir: values.data,
    buckets: values.bucket,
    accessKeyId: values['access-key-id'],
    accessKeySecret: values['access-key-secret'],
    region: values.region,
    corsOrigins: values['cors-origin'],
    exposeEtag: !values['no-expose-etag'],
    stsMinDurationSeconds: values['sts-min-duration'] === undefined ? undefined : Number(values['sts-min-duration']),
  });
  process.stdout.write(
    `OSS emulator listening on ${emulator.url}\n`
    + `  buckets: ${emulator.buckets.join(', ')}  region: ${emulator.region}  data: ${emulator.dataDir}\n`
    + `  AccessKeyId: ${emulator.accessKeyId}  AccessKeySecret: ${emulator.accessKeySecret}\n`
    + `  ali-oss: new OSS({ endpoint: 'http://localhost:${emulator.port}', sldEnable: true, bucket: '${emulator.buckets[0]}', region: 'oss-${emulator.region}', accessKeyId, accessKeySecret })\n`
    + `  STS AssumeRole: ${emulator.url}/_sts\n`,
  );
  const stop = () => {
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`oss-upload-emulator: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
});

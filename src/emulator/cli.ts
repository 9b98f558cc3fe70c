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
  --headers-timeout MS     time a client has to send a request's head (default ${DEFAULTS.headersTimeoutMs})
  --idle-timeout MS        longest silence of a client the emulator waits on, body bytes or reading
                           its answer; 0 waits forever (default ${DEFAULTS.idleTimeoutMs})
  --callback-timeout MS    time an upload callback may take (default ${DEFAULTS.callbackTimeoutMs}, as OSS)
  -h, --help               this text
`;

/** setTimeout's longest delay: a larger one fires at once. */
const MAX_TIMER = 2 ** 31 - 1;

/** A whole number in [min, max] from a flag's text, or undefined when the flag is absent. */
function whole(flag: string, text: string | undefined, min: number, max: number, unit: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new Error(`--${flag} must be ${min}…${max} ${unit}, not ${text}`);
  return n;
}

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
      'headers-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'callback-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be 0…65535, not ${values.port}`);
  const stsMinDurationSeconds = whole('sts-min-duration', values['sts-min-duration'], 1, 3600, 'seconds');
  const headersTimeoutMs = whole('headers-timeout', values['headers-timeout'], 1, MAX_TIMER, 'milliseconds');
  const idleTimeoutMs = whole('idle-timeout', values['idle-timeout'], 0, MAX_TIMER, 'milliseconds');
  const callbackTimeoutMs = whole('callback-timeout', values['callback-timeout'], 1, MAX_TIMER, 'milliseconds');
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
    stsMinDurationSeconds, headersTimeoutMs, idleTimeoutMs, callbackTimeoutMs,
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

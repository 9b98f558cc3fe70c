// Shared setup for Node tests that talk to a running emulator over HTTP, with ali-oss as the client.
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../src/emulator/index.js';

export { OSS };

export async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

/** An ali-oss client for the emulator: path-style on `localhost` (ali-oss drops the bucket with an IP endpoint). */
export function client(emu: RunningEmulator, extra: Partial<OSS.Options> & { sldEnable?: boolean } = {}): OSS {
  return new OSS({
    endpoint: `http://localhost:${emu.port}`,
    sldEnable: true,
    secure: false,
    bucket: emu.buckets[0],
    region: `oss-${emu.region}`,
    accessKeyId: emu.accessKeyId,
    accessKeySecret: emu.accessKeySecret,
    ...extra,
  } as OSS.Options);
}

export function bytes(n: number): Buffer {
  return randomBytes(n);
}

/** Reads the OSS error Code out of an XML body. */
export function codeOf(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

export function field(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/** Awaits a promise that must reject, and returns the error. */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** A raw HTTP request to the emulator on 127.0.0.1, for what fetch cannot send (a Host header, a cut body). */
export function raw(opts: { port: number; method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }):
  Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: opts.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

// ali-oss's browser build against the emulator in a real Chromium: CORS, browser headers and
// multipart work as they would against OSS.
import { expect } from '@open-wc/testing';
import { env } from '/__env.js';
import '../../node_modules/ali-oss/dist/aliyun-oss-sdk.min.js';

interface BrowserOss {
  multipartUpload(name: string, file: Blob, options: object): Promise<{ res: { status: number } }>;
  get(name: string): Promise<{ content: Uint8Array }>;
}
const OSS = (window as unknown as { OSS: new (options: object) => BrowserOss }).OSS;

function randomBlob(size: number): { blob: Blob; bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  return { blob: new Blob([bytes], { type: 'application/octet-stream' }), bytes };
}

async function stored(key: string): Promise<{ key: string; size: number; etag: string } | undefined> {
  const objects = await (await fetch(`${env.emulatorUrl}/_emulator/objects?bucket=${env.bucket}`)).json() as Array<{ key: string; size: number; etag: string }>;
  return objects.find((o) => o.key === key);
}

describe('ali-oss (browser build) against the emulator', () => {
  for (const v4 of [false, true]) {
    it(`multipartUpload of 3 parts, ${v4 ? 'V4' : 'V1'}`, async () => {
      const client = new OSS({
        endpoint: env.ossEndpoint, sldEnable: true, secure: false, bucket: env.bucket, region: `oss-${env.region}`,
        accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret, authorizationV4: v4,
      });
      const { blob, bytes } = randomBlob(300 * 1024 + 17);
      const key = `browser/ali-oss-${v4 ? 'v4' : 'v1'}.bin`;
      const progress: number[] = [];
      const result = await client.multipartUpload(key, blob, { partSize: 100 * 1024, parallel: 2, progress: (p: number) => { progress.push(p); } });
      expect(result.res.status).to.equal(200);
      expect(progress.at(-1)).to.equal(1);
      const object = await stored(key);
      expect(object?.size).to.equal(bytes.length);
      expect(object?.etag).to.match(/^"[0-9A-F]{32}-4"$/);
      const back = await client.get(key);
      expect(new Uint8Array(back.content)).to.deep.equal(bytes);
    });
  }
});

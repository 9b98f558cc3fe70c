// The page side of bench/sts-browser.ts, bundled by esbuild and run in headless Chromium.
// Plain JavaScript: the bench's TypeScript config is Node's (no DOM types). Each scenario uploads
// the same Blob to the discarding OSS stand-in and returns the elapsed milliseconds.
import { StsStrategy } from '../src/strategies/sts.ts';
import { registerStrategy } from '../src/strategies/index.ts';
import '../src/oss-upload.ts';
import '../src/ali-oss.ts'; // makes engine "ali-oss" available, as oss-upload/ali-oss does in an app
import { makeBlob } from './page-data.js';

// The element knows strategies by name: the ali-oss engine under a name of its own.
registerStrategy('sts-ali-oss', (options) => new StsStrategy({ ...options, engine: 'ali-oss' }));

let blob;
/** The 1 GiB Blob of the main-thread and heap measurement (bench/sts-browser.ts). */
let big;

function credentials(endpoint) {
  return {
    accessKeyId: 'STS.bench', accessKeySecret: 'bench-secret', stsToken: 'bench-token', bucket: 'bench', region: 'cn-hangzhou',
    endpoint, dir: '', expiration: new Date(Date.now() + 3600_000).toISOString(),
  };
}

async function timed(run) {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

window.bench = {
  /** The Blob of bench/data.ts's bytes for `keyHex`, built before any clock starts. */
  async makeBlob(size, keyHex) {
    blob = await makeBlob(size, keyHex);
    return blob.size;
  },

  /** The ceiling: one fetch PUT of the whole Blob. */
  ceiling(endpoint) {
    return timed(async () => {
      const res = await fetch(`${endpoint}/bench/ceiling.bin`, { method: 'PUT', body: blob });
      if (!res.ok) throw new Error(`PUT ${res.status}`);
    });
  },

  /** Our strategy (the lean engine, or `engine: 'ali-oss'`), through its public API. */
  strategy(endpoint, settings) {
    const s = new StsStrategy({
      credentials: () => ({ fetchCredentials: async () => credentials(endpoint) }),
      ...settings,
    });
    return timed(() => s.upload(blob, {
      key: `bench/${Math.random().toString(36).slice(2)}.bin`, meta: {}, contentType: 'application/octet-stream',
      signal: new AbortController().signal, onProgress: () => {},
    }));
  },

  /** The file Node wrote and set on the page's input `#id` (bench/data.ts writeData): on disk, as a user's. */
  useFile(id) {
    const file = document.getElementById(id).files[0];
    if (id === 'big') big = file;
    else blob = file;
    return file.size;
  },

  /** Lets the 1 GiB file go. */
  dropBig() {
    big = undefined;
    document.getElementById('big').value = '';
  },

  /** Through <oss-upload strategy=…>: the element, its controller, events and rendering included (`useBig`: the 1 GiB Blob). */
  element(endpoint, strategy, useBig = false) {
    const el = document.createElement('oss-upload');
    el.setAttribute('strategy', strategy);
    el.setAttribute('endpoint', '/unused');
    el.fetchCredentials = async () => credentials(endpoint);
    document.body.append(el);
    const file = new File([useBig ? big : blob], `${Math.random().toString(36).slice(2)}.bin`, { type: 'application/octet-stream' });
    return timed(async () => {
      const done = new Promise((resolve) => el.addEventListener('oss-upload-complete', (e) => resolve(e.detail), { once: true }));
      await el.addFiles([file]);
      const detail = await done;
      el.remove();
      if (detail.successful.length !== 1) throw new Error(`element upload failed: ${JSON.stringify(detail.failed)}`);
    });
  },

  /** ali-oss's multipartUpload with its defaults (1 MiB parts, 5 in flight), as seed pattern 2 does. */
  async aliOss(endpoint) {
    const mod = await import('ali-oss/dist/aliyun-oss-sdk.min.js');
    const OSS = mod.default ?? window.OSS;
    const c = credentials(endpoint);
    const client = new OSS({
      endpoint, sldEnable: true, secure: false, bucket: c.bucket, region: `oss-${c.region}`,
      accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.stsToken, timeout: 600_000,
    });
    return timed(() => client.multipartUpload('bench/ali-oss.bin', blob, {}));
  },
};
window.benchReady = true;

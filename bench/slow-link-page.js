// The page side of bench/slow-link.ts, bundled by esbuild and run in headless Chromium. Plain
// JavaScript: the bench's TypeScript config is Node's (no DOM types). Each scenario uploads slices
// of one file (on disk, chosen through the page's <input type=file>, as a user's) to the emulator
// (its link profile on) and returns the elapsed milliseconds; Node checks what the emulator stored.
import '../src/oss-upload.ts';
import { StsStrategy } from '../src/strategies/sts.ts';

let blob;

let lastStart = 0;

async function timed(run) {
  performance.clearResourceTimings();
  const t0 = performance.now();
  lastStart = t0;
  await run();
  return performance.now() - t0;
}

window.bench = {
  /** The file Node wrote (bench/data.ts) and set on the page's file input. */
  useFile() {
    blob = document.querySelector('input[type=file]').files[0];
    return blob.size;
  },

  /** One `fetch` PUT of the first `size` bytes to a presigned URL: one connection. */
  put(url, size) {
    const body = blob.slice(0, size);
    return timed(async () => {
      const res = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
      if (!res.ok) throw new Error(`PUT ${res.status} ${await res.text()}`);
    });
  },

  /**
   * Through <oss-upload strategy=… endpoint=…>: `files` are [name, start, size] slices of the Blob,
   * added at once; the time from addFiles to oss-upload-complete (credentials, controller, events,
   * rendering included). Rejects unless every file succeeded.
   */
  element(attributes, files) {
    const el = document.createElement('oss-upload');
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    document.body.append(el);
    const list = files.map(([name, start, size]) => new File([blob.slice(start, start + size)], name, { type: 'application/octet-stream' }));
    return timed(async () => {
      const done = new Promise((resolve) => el.addEventListener('oss-upload-complete', (e) => resolve(e.detail), { once: true }));
      await el.addFiles(list);
      const detail = await done;
      el.remove();
      if (detail.successful.length !== list.length) {
        const said = { successful: detail.successful.length, failed: detail.failed.map((f) => f.error), aborted: detail.aborted.length, of: list.length };
        throw new Error(`element upload failed: ${JSON.stringify(said)}`);
      }
    });
  },

  /** StsStrategy directly with these settings (e.g. a fixed part size), credentials from `endpoint`. */
  strategy(endpoint, settings, key, size) {
    const s = new StsStrategy({ credentials: () => ({ endpoint, ...settings }) });
    const file = blob.slice(0, size);
    return timed(() => s.upload(file, {
      key, meta: {}, contentType: 'application/octet-stream', signal: new AbortController().signal, onProgress: () => {},
    }));
  },

  /** ali-oss's multipartUpload with its defaults (1 MiB parts, 5 in flight), credentials from `endpoint`. */
  async aliOss(endpoint, key, size) {
    const mod = await import('ali-oss/dist/aliyun-oss-sdk.min.js');
    const OSS = mod.default ?? window.OSS;
    const c = await (await fetch(endpoint)).json();
    const client = new OSS({
      endpoint: c.endpoint, sldEnable: true, secure: false, bucket: c.bucket, region: `oss-${c.region}`,
      accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.stsToken, timeout: 600_000,
    });
    const file = blob.slice(0, size);
    return timed(() => client.multipartUpload(`${c.dir}${key}`, file, {}));
  },
};
/** The requests of the last run (resource timing): [start, end] ms from its start, and the URL's path and query (SLOW_LINK_VERBOSE=2). */
window.benchTimeline = () => performance.getEntriesByType('resource')
  .filter((e) => e.initiatorType === 'xmlhttprequest' || e.initiatorType === 'fetch')
  .map((e) => [Math.round(e.startTime - lastStart), Math.round(e.responseEnd - lastStart), e.name.replace(/^https?:\/\/[^/]+/, '').replace(/&?x-oss-[^&]*/g, '').slice(0, 80)]);
window.benchReady = true;

// A file the element reports as aborted does not exist on OSS (issue #8, item 7). The rule: once the
// request that stores the file has sent its last byte (PostObject, PutObject, Complete, the proxy's
// POST), abort() cannot undo it; the element waits for the answer and reports what it says
// (success when stored). Before that, abort() stops the upload and nothing is stored. The
// emulator's latency fault holds each answer after the body has arrived; /_emulator/objects says
// what OSS holds. In Chromium, against the emulator and the test endpoints of servers.mjs.
import { expect } from '@open-wc/testing';
import '../../src/ali-oss.js'; // registers engine "ali-oss", as oss-upload/ali-oss does in an app
import type { OssUpload } from '../../src/oss-upload.js';
import {
  cleanup, details, emulatorRequests, env, errorsOf, makeFile, mount, next, objects, record, setFaults, type Recorded,
} from './support.js';

const MiB = 1024 * 1024;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The outcome the element reported for its only file, and what the emulator holds under that key. */
async function outcome(el: OssUpload, events: Recorded[]): Promise<{ reported: string; stored: number }> {
  // Every test's file has a name of its own, and every strategy's key ends with it (the proxy server picks its own id).
  const found = (await objects('uploads/')).filter((o) => o.key.endsWith(`/${el.files[0]!.name}`));
  const reported = [...details(events, 'oss-upload-success').map(() => 'success'), ...details(events, 'oss-upload-abort').map(() => 'aborted'),
    ...details(events, 'oss-upload-error').map((e) => `error ${e.code}`)];
  expect(reported, errorsOf(events)).to.have.length(1);
  expect(el.files[0]!.status).to.equal(reported[0]!.split(' ')[0]);
  return { reported: reported[0]!, stored: found.length };
}

const strategies = [
  { strategy: 'signed-policy', endpoint: '/sign' },
  { strategy: 'sts', endpoint: '/sts' },
  { strategy: 'proxy', endpoint: '/proxy' },
] as const;

describe('<oss-upload>: abort tells the truth about what OSS holds', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  for (const { strategy, endpoint } of strategies) {
    it(`${strategy}: abort after the last byte, while the answer is held: success, and the object is there`, async () => {
      const el = await mount({ strategy, endpoint });
      const events = record(el);
      await setFaults({ latencyMs: 1500 }); // every answer of the emulator comes 1.5 s after the request
      const done = next(el, 'oss-upload-complete', 30_000);
      await el.addFiles([makeFile(`late-${crypto.randomUUID()}.bin`, 64 * 1024).file]);
      await until(() => details(events, 'oss-upload-progress').some((p) => p.loaded === p.total), 'the last byte');
      await new Promise((r) => setTimeout(r, 250)); // the body has left; OSS (or the proxy's OSS) is still holding its answer
      el.abort();
      expect(details(events, 'oss-upload-abort'), 'no abort reported before the answer').to.deep.equal([]);
      await done;
      const { reported, stored } = await outcome(el, events);
      expect([reported, stored]).to.deep.equal(['success', 1]);
    });

    it(`${strategy}: abort before the last byte: aborted at once, and nothing is stored`, async () => {
      await setFaults({ bandwidth: 2 * MiB }); // 16 MiB at 2 MiB/s: the abort comes while most of it waits in the page
      const el = await mount({ strategy, endpoint, 'part-size': '4MB' });
      const events = record(el);
      const done = next(el, 'oss-upload-complete', 30_000);
      await el.addFiles([makeFile(`early-${crypto.randomUUID()}.bin`, 16 * MiB).file]);
      await until(() => details(events, 'oss-upload-progress').some((p) => p.loaded > 1 * MiB), 'the first MiB');
      const asked = performance.now();
      el.abort();
      await done;
      expect(performance.now() - asked, 'ms from abort() to complete').to.be.below(1000);
      await new Promise((r) => setTimeout(r, 500)); // let the emulator (and the proxy server) notice the hang-up
      const { reported, stored } = await outcome(el, events);
      expect([reported, stored]).to.deep.equal(['aborted', 0]);
    });
  }

  for (const { strategy, endpoint } of strategies) {
    it(`${strategy}: 25 files aborted mid-batch: every file reported aborted is absent from OSS, every success is there`, async () => {
      const el = await mount({ strategy, endpoint, multiple: true });
      const events = record(el);
      await setFaults({ latencyMs: 400 });
      const batch = crypto.randomUUID();
      const done = next(el, 'oss-upload-complete', 40_000);
      await el.addFiles(Array.from({ length: 25 }, (_, i) => makeFile(`batch-${batch}-${i}.bin`, 100 * 1024).file));
      await until(() => details(events, 'oss-upload-success').length >= 3, 'a few stored files');
      el.abort();
      await done;
      await new Promise((r) => setTimeout(r, 1000)); // whatever the emulator (or the proxy) still does, it has done by now
      const keys = (await objects('uploads/')).map((o) => o.key).filter((k) => k.includes(batch));
      const storedName = (name: string) => keys.some((k) => k.endsWith(`/${name}`));
      const aborted = details(events, 'oss-upload-abort').map((a) => a.file.name);
      const succeeded = details(events, 'oss-upload-success').map((a) => a.file.name);
      const failed = details(events, 'oss-upload-error').map((e) => `${e.file.name}: ${e.code} ${e.message}`);
      console.log(`${strategy}: ${succeeded.length} success, ${aborted.length} aborted (${aborted.filter(storedName).length} of them stored), ${failed.length} errors`);
      expect(aborted.filter(storedName), 'aborted but stored').to.deep.equal([]);
      expect(succeeded.filter((n) => !storedName(n)), 'success but not stored').to.deep.equal([]);
      expect(failed).to.deep.equal([]);
      expect(aborted.length + succeeded.length).to.equal(25);
    });
  }

  it('sts multipart: abort while Complete is held: success, the object is there and no upload is left open', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '4' });
    const events = record(el);
    await setFaults({ latencyMs: 1000 });
    const name = `complete-${crypto.randomUUID()}.bin`;
    const done = next(el, 'oss-upload-complete', 40_000);
    await el.addFiles([makeFile(name, 9 * MiB).file]);
    await until(async () => (await emulatorRequests()).some((r) => r.op === 'CompleteMultipartUpload' && r.key?.endsWith(name)), 'Complete', 40_000);
    await new Promise((r) => setTimeout(r, 200));
    el.abort();
    await done;
    const { reported, stored } = await outcome(el, events);
    expect([reported, stored]).to.deep.equal(['success', 1]);
    const open = await (await fetch(`${env.emulatorUrl}/_emulator/uploads`)).json() as Array<{ key: string }>;
    expect(open.filter((u) => u.key.endsWith(name))).to.deep.equal([]);
  });

  for (const [what, size] of [['a small file (its one put)', 64 * 1024], ['multipart (Complete)', 600 * 1024]] as const) {
    it(`sts engine ali-oss, ${what}: abort while the last request is held: success, and the object is there`, async () => {
      // ali-oss's cancel() cannot stop a request under way: its last request is waited for.
      const el = await mount({ strategy: 'sts', endpoint: '/sts', engine: 'ali-oss', 'part-size': '200KB' });
      const events = record(el);
      await setFaults({ latencyMs: 1500 });
      const name = `alioss-${crypto.randomUUID()}.bin`;
      const done = next(el, 'oss-upload-complete', 40_000);
      await el.addFiles([makeFile(name, size).file]);
      const last = size < 100 * 1024 ? 'PutObject' : 'CompleteMultipartUpload';
      await until(async () => (await emulatorRequests()).some((r) => r.op === last && r.key?.endsWith(name)), last, 40_000);
      await new Promise((r) => setTimeout(r, 200));
      el.abort();
      await done;
      const { reported, stored } = await outcome(el, events);
      expect([reported, stored]).to.deep.equal(['success', 1]);
    });
  }

  it('remove() while the answer is held: the file leaves the list, and its true outcome is still reported', async () => {
    const el = await mount({ endpoint: '/sign' });
    const events = record(el);
    await setFaults({ latencyMs: 1500 });
    const success = next(el, 'oss-upload-success', 30_000);
    const [id] = await el.addFiles([makeFile(`removed-${crypto.randomUUID()}.bin`, 64 * 1024).file]);
    await until(() => details(events, 'oss-upload-progress').some((p) => p.loaded === p.total), 'the last byte');
    await new Promise((r) => setTimeout(r, 250));
    el.remove(id);
    expect(el.files).to.deep.equal([]);
    const { detail } = await success;
    expect(detail.file.id).to.equal(id);
    expect(details(events, 'oss-upload-abort')).to.deep.equal([]);
    expect((await objects('uploads/')).filter((o) => o.key === detail.key)).to.have.length(1);
  });
});

// The headless UploadController with a fake strategy: queue, concurrency, retries with backoff,
// abort while waiting to retry, remove, events, and no DOM involved.
import { expect } from '@open-wc/testing';
import { UploadController } from '../../src/controller.js';
import { UploadError } from '../../src/errors.js';
import type { OssUploadEventMap } from '../../src/events.js';
import type { UploadContext, UploadStrategy } from '../../src/strategies/types.js';

type Script = (file: File, ctx: UploadContext, attempt: number) => Promise<void>;

function fakeStrategy(script: Script): UploadStrategy & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    name: 'fake',
    calls,
    async upload(file, ctx) {
      const name = (file as File).name;
      const attempt = (calls.get(name) ?? 0) + 1;
      calls.set(name, attempt);
      await script(file as File, ctx, attempt);
      return { key: `dir/${ctx.key}`, bucket: 'b', url: `https://b.example/dir/${ctx.key}` };
    },
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const file = (name: string, size = 10) => new File([new Uint8Array(size)], name);

function collect(controller: UploadController): Array<[keyof OssUploadEventMap, string]> {
  const out: Array<[keyof OssUploadEventMap, string]> = [];
  for (const type of ['select', 'before', 'start', 'success', 'error', 'abort', 'retry', 'complete'] as const) {
    controller.addEventListener(`oss-upload-${type}`, (e) => {
      const d = (e as CustomEvent<{ file?: { name: string } }>).detail;
      out.push([`oss-upload-${type}`, d.file?.name ?? '']);
    });
  }
  return out;
}

function completed(controller: UploadController): Promise<OssUploadEventMap['oss-upload-complete']> {
  return new Promise((resolve) => controller.addEventListener('oss-upload-complete', resolve, { once: true }));
}

describe('UploadController (headless)', () => {
  it('runs at most `concurrency` uploads and drains the queue in order', async () => {
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const strategy = fakeStrategy(async (f, ctx) => {
      started.push(f.name);
      running++;
      most = Math.max(most, running);
      ctx.onProgress(f.size / 2, f.size);
      await wait(20);
      running--;
    });
    const controller = new UploadController({ strategy, concurrency: 2 });
    const done = completed(controller);
    controller.addFiles(['a', 'b', 'c', 'd', 'e'].map((n) => file(n)));
    const { detail } = await done;
    expect(most).to.equal(2);
    expect(started).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(detail.successful.map((f) => f.name)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(controller.files.every((f) => f.status === 'success' && f.loaded === f.size && f.percent === 100)).to.equal(true);
    expect(controller.files[0]!.url).to.match(/^https:\/\/b\.example\/dir\/[0-9a-z]{26}\/a$/);
  });

  it('retries retryable errors with growing delays, fails refusals at once', async () => {
    // The jitter (Math.random) held at each end of its range, so that the schedule is exact: with it
    // free, a schedule that does not grow passed now and then (the ranges of two waits overlap).
    const random = Math.random;
    for (const [jitter, expected] of [[0, [5, 10, 20]], [0.999999, [10, 20, 40]]] as const) {
      Math.random = () => jitter;
      try {
        const strategy = fakeStrategy(async (f, _ctx, attempt) => {
          if (f.name === 'flaky' && attempt < 4) throw new UploadError('network', 'down');
          if (f.name === 'refused') throw new UploadError('oss-error', 'no', { status: 403, ossCode: 'AccessDenied' });
        });
        const controller = new UploadController({ strategy, retryDelay: 10, maxRetryDelay: 1000 });
        const events = collect(controller);
        const delays: number[] = [];
        controller.addEventListener('oss-upload-retry', (e) => delays.push(e.detail.delay));
        const done = completed(controller);
        controller.addFiles([file('flaky'), file('refused')]);
        const { detail } = await done;
        expect(detail.successful.map((f) => f.name)).to.deep.equal(['flaky']);
        expect(detail.failed.map((f) => [f.name, f.error?.code, f.error?.ossCode])).to.deep.equal([['refused', 'oss-error', 'AccessDenied']]);
        expect(strategy.calls.get('refused')).to.equal(1);
        expect(strategy.calls.get('flaky')).to.equal(4);
        expect(delays, `jitter ${jitter}`).to.deep.equal(expected);
        expect(events.filter(([t]) => t === 'oss-upload-retry').map(([, n]) => n)).to.deep.equal(['flaky', 'flaky', 'flaky']);
      } finally {
        Math.random = random;
      }
    }
  });

  it('caps the delay at maxRetryDelay', async () => {
    const random = Math.random;
    Math.random = () => 0.999999;
    try {
      const strategy = fakeStrategy(async (_f, _ctx, attempt) => {
        if (attempt < 4) throw new UploadError('network', 'down');
      });
      const controller = new UploadController({ strategy, retryDelay: 10, maxRetryDelay: 15 });
      const delays: number[] = [];
      controller.addEventListener('oss-upload-retry', (e) => delays.push(e.detail.delay));
      const done = completed(controller);
      controller.addFiles([file('capped')]);
      await done;
      expect(delays).to.deep.equal([10, 15, 15]); // uncapped: 10, 20, 40
    } finally {
      Math.random = random;
    }
  });

  it('abort() while waiting to retry stops the file; remove() takes it off the list', async () => {
    const strategy = fakeStrategy(async () => {
      throw new UploadError('credentials-server-error', 'busy', { status: 503 });
    });
    const controller = new UploadController({ strategy, retryDelay: 10_000 });
    const events = collect(controller);
    const [id] = controller.addFiles([file('x')]);
    await wait(20);
    expect(controller.files[0]!.status).to.equal('retrying');
    const done = completed(controller);
    controller.abort(id);
    const { detail } = await done;
    expect(detail.aborted.map((f) => f.name)).to.deep.equal(['x']);
    expect(strategy.calls.get('x')).to.equal(1);
    expect(events.map(([t]) => t)).to.deep.equal([
      'oss-upload-select', 'oss-upload-before', 'oss-upload-start', 'oss-upload-retry', 'oss-upload-abort', 'oss-upload-complete',
    ]);
    controller.remove(id!);
    expect(controller.files).to.deep.equal([]);
  });

  it('progress never goes back, also when a retry starts from zero', async () => {
    const strategy = fakeStrategy(async (f, ctx, attempt) => {
      ctx.onProgress(6, f.size);
      if (attempt === 1) throw new UploadError('network', 'cut');
      ctx.onProgress(2, f.size);
      ctx.onProgress(8, f.size);
    });
    const controller = new UploadController({ strategy, retryDelay: 1 });
    const loaded: number[] = [];
    controller.addEventListener('oss-upload-progress', (e) => loaded.push(e.detail.loaded));
    const done = completed(controller);
    controller.addFiles([file('p', 10)]);
    await done;
    expect(loaded).to.deep.equal([6, 8, 10]);
  });

  it('an unknown strategy name fails the file with unknown-strategy', async () => {
    const controller = new UploadController({ strategy: 'nope' });
    const done = completed(controller);
    controller.addFiles([file('x')]);
    expect((await done).detail.failed[0]!.error?.code).to.equal('unknown-strategy');
  });
});

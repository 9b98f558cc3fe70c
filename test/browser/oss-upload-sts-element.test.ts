// <oss-upload strategy="sts">: the element's side of the sts strategy (attributes that reach the
// strategy, pause / resume as methods, buttons and events) in Chromium, against the emulator over
// HTTP and the sts endpoints of test/browser/sts-servers.mjs.
import { expect } from '@open-wc/testing';
import '../../src/ali-oss.js'; // registers engine "ali-oss", as oss-upload/ali-oss does in an app
import { crc64 } from '../../src/signing/crc64.js';
import type { OssUpload } from '../../src/oss-upload.js';
import { UploadController } from '../../src/controller.js';
import { UploadError } from '../../src/errors.js';
import { registerStrategy } from '../../src/strategies/index.js';
import type { StrategyOptions, UploadContext, UploadResult } from '../../src/strategies/types.js';
import {
  about, cleanup, clearEmulatorRequests, emulatorRequests, env, eventually, makeFile, mount, next, openUploads, part, parts, setFaults, settled, stored,
  type LoggedRequest,
} from './support.js';

const MiB = 1024 * 1024;

performance.setResourceTimingBufferSize(100_000);

/** The emulator's log of OSS operations (its own /_sts and /_emulator requests are op `Unknown`). */
async function log(): Promise<LoggedRequest[]> {
  return (await emulatorRequests()).filter((r) => r.op !== 'Unknown');
}

/** A file name no other test uses: the object key ends with it (see support.ts `about`). */
const uniqueName = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID()}${ext}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every oss-upload-* event the element fires, by type (pause and resume included). */
function recordAll(el: OssUpload): Array<{ type: string; detail: { file?: { status: string; id: string } } & Record<string, unknown> }> {
  const events: Array<{ type: string; detail: { file?: { status: string; id: string } } & Record<string, unknown> }> = [];
  for (const type of ['select', 'reject', 'before', 'start', 'progress', 'pause', 'resume', 'success', 'error', 'abort', 'retry', 'complete']) {
    el.addEventListener(`oss-upload-${type}`, (e) => events.push({ type: `oss-upload-${type}`, detail: structuredClone((e as CustomEvent).detail) }));
  }
  return events;
}

const of = (events: ReturnType<typeof recordAll>, type: string) => events.filter((e) => e.type === type);

/** Resolves once the element's file `id` has sent `bytes`. */
async function until(el: OssUpload, id: string, bytes: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const f = el.files.find((x) => x.id === id)!;
    if (f.loaded >= bytes) return;
    if (Date.now() > end) throw new Error(`progress stayed at ${f.loaded} (${f.status})`);
    await sleep(20);
  }
}

const fileOf = (el: OssUpload, id: string) => el.files.find((f) => f.id === id)!;

describe('<oss-upload strategy="sts">', () => {
  afterEach(async () => {
    await cleanup(); // also turns the emulator's faults off
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('pause(id) stops new parts and keeps the upload; resume(id) finishes it, bytes equal', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '2' });
    const events = recordAll(el);
    await setFaults({ bandwidth: 2 * MiB });
    const name = uniqueName('pause.bin');
    const { file, bytes } = makeFile(name, 12 * MiB);
    const [id] = await el.addFiles([file]);
    await until(el, id!, 3 * MiB);
    await el.updateComplete;
    expect(fileOf(el, id!).pausable).to.equal(true);
    expect(part(el, 'pause-button'), 'pause button while uploading').to.exist;
    expect(part(el, 'resume-button')).to.equal(null);

    expect(el.pause(id)).to.equal(true);
    expect(fileOf(el, id!).status).to.equal('paused');
    expect(fileOf(el, id!).pausable).to.equal(true);
    expect(el.pause(id)).to.equal(false); // already paused
    const [paused] = of(events, 'oss-upload-pause');
    expect(paused?.detail.file).to.include({ id, status: 'paused' });
    await el.updateComplete;
    expect(part(el, 'file')!.dataset['status']).to.equal('paused');
    expect(parts(el, 'file-paused')).to.have.length(1);
    expect(part(el, 'pause-button')).to.equal(null);
    expect(part(el, 'resume-button')!.innerText).to.equal('Resume');
    expect(part(el, 'resume-button')!.getAttribute('aria-label')).to.equal(`Resume upload of ${name}`);
    expect(part(el, 'cancel-button')).to.exist; // a paused file can still be cancelled
    expect(part(el, 'status')!.textContent).to.match(/^Paused at \d+%$/);
    expect(el.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal(`${name}: ${part(el, 'status')!.textContent}`);

    await settled(name); // the parts in flight were cut (or had arrived whole)
    await clearEmulatorRequests();
    const loaded = fileOf(el, id!).loaded;
    // Paused is an absence: a while with the link free, in which a running upload sends 2 MiB or more.
    await sleep(1200);
    expect(about(await log(), name).filter((r) => r.op === 'UploadPart'), 'no part sent while paused').to.deep.equal([]);
    expect(fileOf(el, id!).loaded).to.equal(loaded);
    expect(fileOf(el, id!).status).to.equal('paused');
    const [open] = await openUploads(name);
    expect(open, 'the multipart upload stays open').to.exist;
    const storedBefore = open!.parts.map((p) => p.partNumber);
    expect(storedBefore.length).to.be.greaterThan(0);
    // Pausing is neither an error nor a reason to retry, and the batch is not complete.
    expect(of(events, 'oss-upload-error')).to.deep.equal([]);
    expect(of(events, 'oss-upload-retry')).to.deep.equal([]);
    expect(of(events, 'oss-upload-complete')).to.deep.equal([]);

    await setFaults({});
    const complete = next(el, 'oss-upload-complete', 60_000);
    expect(el.resume(id)).to.equal(true);
    expect(fileOf(el, id!).status).to.equal('uploading');
    expect(el.resume(id)).to.equal(false);
    expect(of(events, 'oss-upload-resume').map((e) => e.detail.file?.status)).to.deep.equal(['uploading']);
    await complete;
    const [success] = of(events, 'oss-upload-success');
    expect(success, JSON.stringify(of(events, 'oss-upload-error'))).to.exist;
    const object = await stored(success!.detail['key'] as string);
    expect([object?.size, object?.crc64]).to.deep.equal([bytes.length, crc64(bytes).toString()]);
    // After resume only the parts OSS did not have went out.
    // Of the parts OSS had, only ones in flight at the pause (cut by the client after their last byte
    // left, so stored all the same) may go again: at most `parallel` of them.
    const sent = about(await log(), name).filter((r) => r.op === 'UploadPart' && r.status === 200).map((r) => r.partNumber!);
    expect(sent.filter((n) => storedBefore.includes(n)).length, `stored ${storedBefore}, sent after resume ${sent}`).to.be.at.most(2);
    expect([...new Set([...storedBefore, ...sent])].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await openUploads(name)).to.deep.equal([]);
    const progress = of(events, 'oss-upload-progress').map((e) => e.detail['loaded'] as number);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).to.be.at.least(progress[i - 1]!);
    expect(progress.at(-1)).to.equal(bytes.length);
    await el.updateComplete;
    expect(part(el, 'pause-button')).to.equal(null);
    expect(part(el, 'resume-button')).to.equal(null);
  });

  it('the pause and resume buttons work, keep the focus, and the list stays accessible while paused', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '2', multiple: true });
    await setFaults({ bandwidth: 2 * MiB });
    const { file, bytes } = makeFile('buttons.bin', 10 * MiB);
    const [id] = await el.addFiles([file]);
    await until(el, id!, 2 * MiB);
    await el.updateComplete;
    const button = part(el, 'pause-button')!;
    expect(button.innerText).to.equal('Pause');
    const width = button.getBoundingClientRect().width;
    expect(button.getAttribute('aria-label')).to.equal('Pause upload of buttons.bin');
    button.focus();
    const pausedEvent = next(el, 'oss-upload-pause');
    button.click();
    expect((await pausedEvent).detail.file.status).to.equal('paused');
    await el.updateComplete;
    // The same element turned into the resume button: the focus stayed on it.
    expect(part(el, 'resume-button')).to.equal(button);
    expect(el.shadowRoot!.activeElement).to.equal(button);
    expect(button.innerText).to.equal('Resume');
    expect(button.getBoundingClientRect().width, 'the button keeps its width').to.equal(width);
    await expect(el).to.be.accessible();

    await setFaults({});
    const resumed = next(el, 'oss-upload-resume');
    const complete = next(el, 'oss-upload-complete', 60_000);
    button.click();
    expect((await resumed).detail.file.status).to.equal('uploading');
    const { detail } = await complete;
    expect(detail.successful.map((f) => f.id)).to.deep.equal([id]);
    const object = await stored(detail.successful[0]!.key!);
    expect([object?.size, object?.crc64]).to.deep.equal([bytes.length, crc64(bytes).toString()]);
  });

  it('abort(id) of a paused file aborts the multipart upload on OSS; retry() starts again unpaused', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '2' });
    const events = recordAll(el);
    await setFaults({ bandwidth: 2 * MiB });
    const name = uniqueName('paused-abort.bin');
    const { file, bytes } = makeFile(name, 10 * MiB);
    const [id] = await el.addFiles([file]);
    await until(el, id!, 2 * MiB);
    expect(el.pause(id)).to.equal(true);
    await settled(name);
    await clearEmulatorRequests();
    const complete = next(el, 'oss-upload-complete');
    el.abort(id);
    expect(fileOf(el, id!).status).to.equal('aborted');
    expect(fileOf(el, id!).pausable).to.equal(undefined);
    const { detail } = await complete;
    expect(detail.aborted.map((f) => f.id)).to.deep.equal([id]);
    expect(await eventually(() => openUploads(name), (u) => u.length === 0)).to.deep.equal([]);
    expect(about(await log(), name).filter((r) => r.op === 'AbortMultipartUpload').map((r) => r.status)).to.deep.equal([204]);
    expect(of(events, 'oss-upload-error')).to.deep.equal([]);

    // The same File again: not left paused inside the strategy.
    await setFaults({});
    const again = next(el, 'oss-upload-complete', 60_000);
    el.retry(id);
    const done = await again;
    expect(done.detail.successful.map((f) => f.id)).to.deep.equal([id]);
    expect((await stored(done.detail.successful[0]!.key!))?.crc64).to.equal(crc64(bytes).toString());
  });

  it('a file sent in one request cannot pause: pause(id) is false and no pause button shows', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts' });
    const events = recordAll(el);
    await setFaults({ latencyMs: 1500 });
    const { file, bytes } = makeFile('small.txt', 200 * 1024, 'text/plain');
    const complete = next(el, 'oss-upload-complete', 30_000);
    const [id] = await el.addFiles([file]);
    const seen: Array<string | null> = [];
    while (fileOf(el, id!).status !== 'success') {
      if (fileOf(el, id!).status === 'uploading') {
        expect(el.pause(id)).to.equal(false);
        expect(fileOf(el, id!).status).to.equal('uploading');
        await el.updateComplete;
        seen.push(part(el, 'pause-button')?.getAttribute('part') ?? null);
      }
      await sleep(50);
    }
    await complete;
    expect(seen.length).to.be.greaterThan(0);
    expect(seen.every((s) => s === null), 'no pause button for a PutObject').to.equal(true);
    expect(of(events, 'oss-upload-pause')).to.deep.equal([]);
    const [success] = of(events, 'oss-upload-success');
    expect((await stored(success!.detail['key'] as string))?.crc64).to.equal(crc64(bytes).toString());
  });

  it('a strategy that cannot pause: no button, pause(id) false', async () => {
    const el = await mount({ endpoint: '/sign' });
    await setFaults({ latencyMs: 800 });
    const complete = next(el, 'oss-upload-complete', 30_000);
    const started = next(el, 'oss-upload-start');
    const [id] = await el.addFiles([makeFile('policy.txt', 1000, 'text/plain').file]);
    await started; // the request then waits 800 ms on the emulator's latency
    expect(fileOf(el, id!).status).to.equal('uploading');
    expect(el.pause(id)).to.equal(false);
    expect(el.pause()).to.equal(false);
    expect(fileOf(el, id!).pausable).to.equal(undefined);
    await el.updateComplete;
    expect(part(el, 'pause-button')).to.equal(null);
    expect((await complete).detail.successful).to.have.length(1);
  });

  it('insecure-allow-long-term-keys: absent, long-term keys are refused (insecure-credentials); present, accepted', async () => {
    const el = await mount({ strategy: 'sts', endpoint: '/sts-longterm' });
    const events = recordAll(el);
    const failed = next(el, 'oss-upload-error');
    const name = uniqueName('longterm.txt');
    await el.addFiles([makeFile(name, 100, 'text/plain').file]);
    const { detail } = await failed;
    expect([detail.code, detail.retryable]).to.deep.equal(['insecure-credentials', false]);
    expect(detail.message).to.contain('insecureAllowLongTermKeys');
    expect(of(events, 'oss-upload-retry')).to.deep.equal([]);
    expect(about(await log(), name)).to.deep.equal([]); // nothing reached OSS
    await el.updateComplete;
    expect(part(el, 'error')!.textContent).to.equal('The upload server handed out a permanent key; it must give temporary (STS) credentials.');

    const allowed = await mount({ strategy: 'sts', endpoint: '/sts-longterm', 'insecure-allow-long-term-keys': true });
    expect(allowed.insecureAllowLongTermKeys).to.equal(true);
    const done = next(allowed, 'oss-upload-complete', 30_000);
    const { file, bytes } = makeFile('longterm-ok.txt', 100, 'text/plain');
    await allowed.addFiles([file]);
    const [success] = (await done).detail.successful;
    expect(success, 'uploaded with the opt-in').to.exist;
    expect((await stored(success!.key!))?.crc64).to.equal(crc64(bytes).toString());
  });

  it('bucket, region and oss-endpoint serve a raw STS Credentials answer', async () => {
    // fetchCredentials reshapes /sts's answer into STS's own {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}.
    const raw = async () => {
      const a = await (await fetch('/sts')).json() as { accessKeyId: string; accessKeySecret: string; stsToken: string; expiration: string };
      return { AccessKeyId: a.accessKeyId, AccessKeySecret: a.accessKeySecret, SecurityToken: a.stsToken, Expiration: a.expiration };
    };
    // The raw shape has no dir: the key template puts the key under the prefix the token allows.
    const attributes = { strategy: 'sts', endpoint: '/sts', 'key-template': 'uploads/{id}/{name}' };
    const bare = await mount(attributes, (el) => {
      el.fetchCredentials = raw;
    });
    const failed = next(bare, 'oss-upload-error');
    await bare.addFiles([makeFile('raw.bin', 100).file]);
    const { detail: error } = await failed;
    expect(error.code).to.equal('credentials-invalid');
    expect(error.message).to.contain('bucket attribute');

    const el = await mount({ ...attributes, bucket: env.bucket, region: `oss-${env.region}`, 'oss-endpoint': env.ossEndpoint, 'part-size': '1MB' }, (e) => {
      e.fetchCredentials = raw;
    });
    expect([el.bucket, el.region, el.ossEndpoint, el.partSize]).to.deep.equal([env.bucket, `oss-${env.region}`, env.ossEndpoint, MiB]);
    await clearEmulatorRequests();
    const { file, bytes } = makeFile('raw.bin', 9 * MiB);
    const done = next(el, 'oss-upload-success', 60_000);
    await el.addFiles([file]);
    const { detail } = await done;
    expect(detail.key).to.match(/^uploads\/[0-9a-z]+\/raw\.bin$/);
    expect([detail.bucket, detail.url]).to.deep.equal([env.bucket, `${env.ossEndpoint}/${env.bucket}/${detail.key}`]);
    expect((await stored(detail.key))?.crc64).to.equal(crc64(bytes).toString());
    // part-size reached the engine: 1 MiB parts.
    const partsSent = about(await log(), detail.key).filter((r) => r.op === 'UploadPart' && r.status === 200);
    expect(partsSent).to.have.length(9);
  });

  it('engine="ali-oss" reaches the strategy: ali-oss is downloaded then, and a small upload succeeds', async () => {
    const loaded = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('aliyun-oss-sdk'));
    expect(loaded(), 'not downloaded by the native engine').to.deep.equal([]);
    const el = await mount({ strategy: 'sts', endpoint: '/sts', engine: 'ali-oss' });
    expect(el.engine).to.equal('ali-oss');
    const { file, bytes } = makeFile('alioss-small.txt', 40 * 1024, 'text/plain');
    const done = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([file]);
    const [success] = (await done).detail.successful;
    expect(success, 'uploaded through ali-oss').to.exist;
    expect(loaded()).to.have.length(1);
    const object = await stored(success!.key!);
    expect([object?.size, object?.crc64, object?.contentType]).to.deep.equal([bytes.length, crc64(bytes).toString(), 'text/plain']);
  });
});

/** A strategy that can pause, scripted: `finish(file)` / `fail(file, error)` settle its upload. */
class FakePausable {
  readonly name = 'fake-pausable';
  readonly paused = new Set<Blob>();
  readonly pending = new Map<Blob, { resolve: (r: UploadResult) => void; reject: (e: unknown) => void; ctx: UploadContext }>();
  readonly log: string[] = [];
  constructor(readonly options?: StrategyOptions) {}
  upload(file: Blob, ctx: UploadContext): Promise<UploadResult> {
    return new Promise((resolve, reject) => {
      this.pending.set(file, { resolve, reject, ctx });
      ctx.signal.addEventListener('abort', () => reject(new UploadError('aborted', 'aborted')));
      ctx.onProgress(1, file.size);
    });
  }
  pause(file: Blob): boolean {
    if (!this.pending.has(file) || this.paused.has(file)) return false;
    this.paused.add(file);
    this.log.push('pause');
    return true;
  }
  resume(file: Blob): boolean {
    this.log.push('resume');
    return this.paused.delete(file);
  }
  finish(file: Blob): void {
    this.pending.get(file)!.ctx.onProgress(file.size, file.size);
    this.pending.get(file)!.resolve({ key: 'k', bucket: 'b', url: 'https://b/k' });
    this.pending.delete(file);
  }
  fail(file: Blob, error: UploadError): void {
    this.pending.get(file)!.reject(error);
    this.pending.delete(file);
  }
}

describe('UploadController: pause and resume (headless, a scripted strategy)', () => {
  const file = (name: string) => new File([new Uint8Array(1000)], name);

  it('an upload that ends while paused succeeds, and the strategy is left unpaused', async () => {
    const strategy = new FakePausable();
    const controller = new UploadController({ strategy });
    const f = file('a');
    const [id] = controller.addFiles([f]);
    await sleep(0);
    expect(controller.files[0]!.pausable).to.equal(true);
    expect(controller.pause(id)).to.equal(true);
    const complete = new Promise<CustomEvent>((r) => controller.addEventListener('oss-upload-complete', (e) => r(e as CustomEvent), { once: true }));
    strategy.finish(f);
    await complete;
    expect(controller.files[0]!.status).to.equal('success');
    expect(controller.files[0]!.pausable).to.equal(undefined);
    expect(strategy.paused.size).to.equal(0);
  });

  it('a retryable failure while paused: retried, and the next attempt is paused too (no error, no lost pause)', async () => {
    const strategy = new FakePausable();
    const controller = new UploadController({ strategy, retryDelay: 10 });
    const errors: unknown[] = [];
    controller.addEventListener('oss-upload-error', (e) => errors.push(e));
    const f = file('b');
    const [id] = controller.addFiles([f]);
    await sleep(0);
    controller.pause(id);
    strategy.fail(f, new UploadError('network', 'dropped'));
    await sleep(5);
    expect(controller.files[0]!.status).to.equal('retrying');
    await sleep(60);
    expect(controller.files[0]!.status).to.equal('paused');
    expect(controller.resume(id)).to.equal(true);
    expect(controller.files[0]!.status).to.equal('uploading');
    strategy.finish(f);
    await sleep(0);
    expect(controller.files[0]!.status).to.equal('success');
    expect(errors).to.deep.equal([]);
  });

  it('a refused pause (the upload cannot pause) hides the pause button for that attempt', async () => {
    const strategy = new FakePausable();
    strategy.pause = () => false;
    const controller = new UploadController({ strategy });
    const [id] = controller.addFiles([file('c')]);
    await sleep(0);
    expect(controller.files[0]!.pausable).to.equal(true);
    expect(controller.pause(id)).to.equal(false);
    expect(controller.files[0]!.status).to.equal('uploading');
    expect(controller.files[0]!.pausable).to.equal(undefined);
    controller.abort();
  });

  it('strategyOptions reach the strategy through credentials(); a change makes a new instance, running files keep theirs', async () => {
    const made: FakePausable[] = [];
    registerStrategy('fake-pausable', (options) => {
      const s = new FakePausable(options);
      made.push(s);
      return s;
    });
    const controller = new UploadController({ strategy: 'fake-pausable', endpoint: '/x', strategyOptions: { engine: 'ali-oss', partSize: 5, endpoint: '/ignored' } });
    const f = file('d');
    const [id] = controller.addFiles([f]);
    await sleep(0);
    expect(made).to.have.length(1);
    expect(made[0]!.options!.credentials()).to.include({ engine: 'ali-oss', partSize: 5, endpoint: '/x' });
    controller.configure({ strategyOptions: { engine: 'ali-oss', partSize: 5, endpoint: '/ignored' } }); // equal: same instance
    controller.addFiles([file('e')]);
    await sleep(0);
    expect(made).to.have.length(1);
    controller.configure({ strategyOptions: { engine: 'native' } });
    controller.addFiles([file('g')]);
    await sleep(0);
    expect(made).to.have.length(2);
    // The file that runs on the first instance is paused there.
    expect(controller.pause(id)).to.equal(true);
    expect(made[0]!.paused.has(f)).to.equal(true);
    controller.abort(id);
    expect(made[0]!.paused.has(f)).to.equal(false); // unpaused after the abort
    controller.clear();
  });

  it('the element passes only the settings the page set, so a registered strategy keeps its own', async () => {
    const made: FakePausable[] = [];
    registerStrategy('fake-settings', (options) => {
      const s = new FakePausable(options);
      made.push(s);
      return s;
    });
    const el = await mount({ strategy: 'fake-settings', endpoint: '/x', manual: true });
    await el.addFiles([file('h')]);
    el.upload();
    await sleep(0);
    const config = made.at(-1)!.options!.credentials() as Record<string, unknown>;
    expect(config['engine']).to.equal(undefined);
    expect(config['insecureAllowLongTermKeys']).to.equal(undefined);
    el.setAttribute('engine', 'ali-oss');
    el.toggleAttribute('insecure-allow-long-term-keys', true);
    await el.updateComplete;
    await el.addFiles([file('i')]);
    el.upload();
    await sleep(0);
    expect(made.at(-1)!.options!.credentials()).to.include({ engine: 'ali-oss', insecureAllowLongTermKeys: true });
    el.clear();
  });
});

// <oss-upload strategy="sts"> while a file reads "Finishing…" (every byte sent, no answer yet): what
// its Pause button may promise. Two moments, made long by the emulator's latency fault (every
// request held before it is handled): the last parts' bytes are out and OSS has not answered them —
// a pause holds there (the parts go again after resume, nothing is completed while paused); and
// CompleteMultipartUpload is under way — it goes on whatever the page says, so no Pause is offered
// and pause() is refused, rather than a row that reads "Paused" while OSS makes the object.
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { crc64 } from '../../src/signing/crc64.js';
import {
  about, cleanup, emulatorRequests, makeFile, mount, next, part, setFaults, stored, type LoggedRequest,
} from './support.js';

const MiB = 1024 * 1024;

/** A file name no other test uses: the object key ends with it. */
const unique = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID().slice(0, 8)}${ext}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, looking every 30 ms. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(30);
  }
}

/** The emulator's log of this file's OSS requests (status 0: not answered yet). */
async function requestsFor(name: string): Promise<LoggedRequest[]> {
  return about(await emulatorRequests(), name);
}

const statusText = (el: OssUpload) => part(el, 'status')?.textContent?.replace(/\s+/g, ' ').trim();

/** Whether the row ever showed a pause button, from now until stopped (every render and every 20 ms). */
function watchPauseButton(el: OssUpload) {
  let shown = false;
  const look = () => {
    shown ||= part(el, 'pause-button') !== null;
  };
  const observer = new MutationObserver(look);
  observer.observe(el.shadowRoot!, { subtree: true, childList: true, attributes: true });
  const timer = setInterval(look, 20);
  look();
  return { shown: () => shown, stop: () => { observer.disconnect(); clearInterval(timer); } };
}

describe('<oss-upload strategy="sts"> Pause while a file is finishing', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup(); // also turns the emulator's faults off
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('CompleteMultipartUpload under way: no Pause button, pause() refused, the row stays "Finishing…", the file is stored', async () => {
    await setFaults({ latencyMs: 2500 });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB' });
    const paused: Event[] = [];
    el.addEventListener('oss-upload-pause', (e) => paused.push(e));
    const name = unique('complete.bin');
    const { file, bytes } = makeFile(name, 9 * MiB);
    const success = next(el, 'oss-upload-success', 50_000);
    const [id] = await el.addFiles([file]);
    // Offered while parts go (a multipart upload can pause).
    await until(() => el.files[0]?.pausable === true, 'pause button while parts go');
    // The Complete has reached OSS, which holds it for 2.5 s.
    await until(async () => (await requestsFor(name)).some((r) => r.op === 'CompleteMultipartUpload' && r.status === 0), 'Complete under way');
    await el.updateComplete;
    const watch = watchPauseButton(el);
    expect(el.files[0]).to.include({ status: 'uploading', loaded: 9 * MiB });
    expect(el.files[0]!.pausable, 'pausable in the snapshot').to.not.equal(true);
    expect(statusText(el)).to.equal('Finishing…');
    expect(part(el, 'pause-button'), 'pause button while Complete is under way').to.equal(null);
    expect(el.pause(id), 'pause() while Complete is under way').to.equal(false);
    await el.updateComplete;
    expect(el.files[0]!.status).to.equal('uploading');
    expect(statusText(el)).to.equal('Finishing…');
    await success;
    watch.stop();
    expect(watch.shown(), 'a pause button showed between the Complete and its answer').to.equal(false);
    expect(paused, 'oss-upload-pause events').to.have.length(0);
    expect(el.files[0]!.status).to.equal('success');
    const object = await stored(el.files[0]!.key!);
    expect([object?.size, object?.crc64]).to.deep.equal([bytes.length, crc64(bytes).toString()]);
    // One Complete: the pause did not turn into a second attempt.
    expect((await requestsFor(name)).filter((r) => r.op === 'CompleteMultipartUpload').map((r) => r.status)).to.deep.equal([200]);
  });

  it('the last parts sent, OSS not answered: Pause holds — nothing completed while paused — and Resume finishes the file', async () => {
    await setFaults({ latencyMs: 2500 });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB' });
    const name = unique('parts.bin');
    const { file, bytes } = makeFile(name, 9 * MiB);
    const [id] = await el.addFiles([file]);
    // Every byte out (the last parts in the socket buffers or held by OSS), no Complete yet.
    await until(() => el.files[0]?.loaded === 9 * MiB, 'every byte out');
    await el.updateComplete;
    const log = await requestsFor(name);
    expect(log.filter((r) => r.op === 'CompleteMultipartUpload'), 'Complete before the parts were answered').to.deep.equal([]);
    expect(log.some((r) => r.op === 'UploadPart' && r.status === 0), 'a part not answered yet').to.equal(true);
    expect(statusText(el)).to.equal('Finishing…');
    expect(part(el, 'pause-button'), 'pause button while the parts wait for OSS').to.not.equal(null);
    part(el, 'pause-button')!.click();
    expect(el.files[0]!.status).to.equal('paused');
    // Longer than the latency: the parts held at the pause have been answered (or dropped) by now.
    await sleep(4000);
    expect(el.files[0]!.status).to.equal('paused');
    expect((await requestsFor(name)).filter((r) => r.op === 'CompleteMultipartUpload'), 'Complete while paused').to.deep.equal([]);
    const success = next(el, 'oss-upload-success', 50_000);
    expect(el.resume(id)).to.equal(true);
    await success;
    const object = await stored(el.files[0]!.key!);
    expect([object?.size, object?.crc64]).to.deep.equal([bytes.length, crc64(bytes).toString()]);
  });
});

// <oss-upload> by keyboard: after every per-file action (Cancel, Retry, Remove, Pause, Resume) and
// after an upload ends under the focused button, the focus lands on the next sensible control —
// the same row's first button, the next row's, the previous row's, or the choose button — and
// never falls to <body>. The pause button shows only on uploads that can pause.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, makeFile, mount, next, part, parts, setFaults } from './support.js';

const MiB = 1024 * 1024;

/** A file name no other test uses (the object key ends with it). */
const unique = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID().slice(0, 8)}${ext}`);

/** Where the focus is, as "<file name> <part>" for a row's control, "<part>" for another, or "body". */
function focused(el: OssUpload): string {
  if (document.activeElement !== el) return document.activeElement === document.body ? 'body' : `outside: ${document.activeElement?.tagName}`;
  const control = el.shadowRoot!.activeElement as HTMLElement | null;
  if (!control) return 'the host itself';
  const row = control.closest('[part~="file"]');
  const name = row?.querySelector('[part~="file-name"]')?.textContent;
  return `${name ? `${name} ` : ''}${control.getAttribute('part')}`;
}

/** A key press, and the render it causes. */
async function press(el: OssUpload, key: string): Promise<void> {
  await sendKeys({ press: key });
  await el.updateComplete;
}

const statusOf = (el: OssUpload, name: string) => el.files.find((f) => f.name === name)?.status;

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Enter on a row's Cancel: the abort may wait a moment for news of the request's body (README
 * "Abort"), while the button stays; then the row is `aborted` and rendered again.
 */
async function cancel(el: OssUpload, name: string): Promise<void> {
  expect(focused(el)).to.equal(`${name} cancel-button`);
  await press(el, 'Enter');
  await until(() => statusOf(el, name) === 'aborted', `abort of ${name}`);
  await el.updateComplete;
}

describe('<oss-upload> focus', function () {
  this.timeout(90_000);
  afterEach(async () => {
    await cleanup();
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('Cancel, Retry and Remove by keyboard: focus moves to the next sensible control, never to <body>', async () => {
    await setFaults({ bandwidth: 64 * 1024 }); // the uploads stay under way while the keys are pressed
    const el = await mount({ endpoint: '/sign', multiple: true, retries: '0' });
    await el.addFiles(['one.bin', 'two.bin', 'three.bin'].map((name) => makeFile(name, 8 * MiB).file));
    await el.updateComplete;
    expect(el.files.map((f) => f.status)).to.deep.equal(['uploading', 'uploading', 'uploading']);
    part(el, 'button')!.focus();
    await press(el, 'Tab');
    expect(focused(el)).to.equal('one.bin cancel-button');

    await cancel(el, 'one.bin'); // the row now offers Retry and Remove
    expect(focused(el)).to.equal('one.bin retry-button');

    await press(el, 'Enter'); // Retry: the row uploads again and offers Cancel
    expect(statusOf(el, 'one.bin')).to.be.oneOf(['queued', 'uploading']);
    expect(focused(el)).to.equal('one.bin cancel-button');

    await cancel(el, 'one.bin');
    expect(focused(el)).to.equal('one.bin retry-button');
    await press(el, 'Tab');
    expect(focused(el)).to.equal('one.bin remove-button');
    await press(el, 'Enter'); // Remove: the row is gone, the next row takes the focus
    expect(el.files.map((f) => f.name)).to.deep.equal(['two.bin', 'three.bin']);
    expect(focused(el)).to.equal('two.bin cancel-button');

    await press(el, 'Tab');
    await cancel(el, 'three.bin');
    await press(el, 'Tab');
    expect(focused(el)).to.equal('three.bin remove-button');
    await press(el, 'Enter'); // the last row gone: the one before it
    expect(focused(el)).to.equal('two.bin cancel-button');

    await cancel(el, 'two.bin');
    await press(el, 'Tab');
    expect(focused(el)).to.equal('two.bin remove-button');
    await press(el, 'Enter'); // the list empties: the choose button
    expect(el.files).to.deep.equal([]);
    expect(part(el, 'file-list')).to.equal(null);
    expect(focused(el)).to.equal('button');
  });

  it('an upload that ends under the focused Cancel button hands the focus to its row\'s next button', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const el = await mount({ endpoint: '/sign', retries: '0', multiple: true });
    const stored = next(el, 'oss-upload-success', 30_000);
    await el.addFiles([makeFile('done.bin', 6 * MiB).file]);
    await el.updateComplete;
    part(el, 'button')!.focus();
    await press(el, 'Tab');
    expect(focused(el)).to.equal('done.bin cancel-button');
    await stored;
    await el.updateComplete;
    expect(focused(el)).to.equal('done.bin remove-button');

    // A failure under the focus: the row's Retry.
    await setFaults({ bandwidth: 2 * MiB, failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
    const failed = next(el, 'oss-upload-error', 30_000);
    await el.addFiles([makeFile('fails.bin', 6 * MiB).file]);
    await el.updateComplete;
    parts(el, 'cancel-button')[0]!.focus();
    expect(focused(el)).to.equal('fails.bin cancel-button');
    await failed;
    await el.updateComplete;
    expect(focused(el)).to.equal('fails.bin retry-button');
  });

  it('Pause and Resume by keyboard: the same button turns, the focus stays on it; Cancel of a paused file goes to Retry', async () => {
    await setFaults({ bandwidth: 2 * MiB });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', 'part-size': '1MB', parallel: '2' });
    const name = unique('pausable.bin');
    const [id] = await el.addFiles([makeFile(name, 16 * MiB).file]);
    await until(() => el.files.find((f) => f.id === id)?.pausable === true, 'pause button');
    await el.updateComplete;
    part(el, 'button')!.focus();
    await press(el, 'Tab');
    expect(focused(el)).to.equal(`${name} pause-button`);
    const button = el.shadowRoot!.activeElement;
    await press(el, 'Enter');
    expect(statusOf(el, name)).to.equal('paused');
    expect(focused(el)).to.equal(`${name} resume-button`);
    expect(el.shadowRoot!.activeElement).to.equal(button);
    await press(el, 'Enter');
    expect(statusOf(el, name)).to.equal('uploading');
    expect(focused(el)).to.equal(`${name} pause-button`);
    await press(el, 'Enter');
    expect(statusOf(el, name)).to.equal('paused');
    await press(el, 'Tab');
    await cancel(el, name); // a paused file can be cancelled
    expect(focused(el)).to.equal(`${name} retry-button`);
  });

  it('the pause button shows only on uploads that can pause: not on a 20 kB file nor on an 8,000,000-byte one (one PutObject each)', async () => {
    await setFaults({ bandwidth: 2 * MiB, latencyMs: 200 });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true });
    const small = unique('small.bin');
    const under = unique('under-8-MiB.bin');
    const large = unique('multipart.bin');
    const showed = new Set<string>(); // the rows that ever showed a pause button
    const watch = new MutationObserver(() => {
      for (const b of parts(el, 'pause-button')) showed.add(b.closest('[part~="file"]')!.querySelector('[part~="file-name"]')!.textContent!);
    });
    watch.observe(el.shadowRoot!, { subtree: true, childList: true, attributes: true });
    const refused: boolean[] = [];
    el.addEventListener('oss-upload-progress', (e) => {
      // Asked while under way, the small ones cannot pause (as the absent button says).
      if (e.detail.file.name !== large && e.detail.loaded < e.detail.total) refused.push(el.pause(e.detail.file.id));
    });
    const complete = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([makeFile(small, 20_000).file, makeFile(under, 8_000_000).file, makeFile(large, 9 * MiB).file]);
    const { detail } = await complete;
    watch.disconnect();
    expect(detail.successful.map((f) => f.name).sort()).to.deep.equal([small, under, large].sort());
    expect([...showed]).to.deep.equal([large]);
    expect(refused.every((r) => r === false)).to.equal(true);
  });
});

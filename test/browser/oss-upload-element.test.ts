// <oss-upload> as a page sees it: attributes, validation before any request, the cancelable
// oss-upload-before, the default UI through its parts, keyboard and drag-and-drop, accessibility.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { OssUpload } from '../../src/oss-upload.js';
import { OssUploadSelectEvent, UploadController, UploadError, ERROR_CODES } from '../../src/core.js';
import {
  cleanup, clearEmulatorRequests, details, emulatorRequests, makeFile, mount, next, part, parts, record,
  resetSignCalls, setFaults, signCalls, stored,
} from './support.js';

/** Catches the element's picker opening (and keeps the native dialog shut). */
function spyPicker(el: OssUpload): { opened: number } {
  const spy = { opened: 0 };
  el.shadowRoot!.querySelector('input[type=file]')!.addEventListener('click', (e) => {
    e.preventDefault();
    spy.opened++;
  });
  return spy;
}

function dragEvent(type: string, files: File[]): DragEvent {
  const dataTransfer = new DataTransfer();
  for (const f of files) dataTransfer.items.add(f);
  return new DragEvent(type, { bubbles: true, composed: true, cancelable: true, dataTransfer });
}

describe('<oss-upload> element', function () {
  this.timeout(30_000);
  afterEach(cleanup);

  it('is defined once, typed in HTMLElementTagNameMap, with its defaults', async () => {
    expect(customElements.get('oss-upload')).to.equal(OssUpload);
    const el = document.createElement('oss-upload');
    expect(el).to.be.instanceOf(OssUpload);
    expect([el.strategy, el.concurrency, el.retries, el.multiple, el.manual, el.disabled, el.withCredentials, el.keyTemplate])
      .to.deep.equal(['signed-policy', undefined, 3, false, false, false, false, '{id}/{name}']);
    expect(el.files).to.deep.equal([]);
  });

  it('maps attributes to properties (sizes may carry units; upload-dir is uploadDir, dir stays the text direction)', async () => {
    const el = await mount({
      endpoint: '/sign', 'max-size': '10MB', 'min-size': '1', 'max-files': '4', 'upload-dir': 'images', dir: 'rtl', concurrency: '2',
      retries: '5', manual: true, 'with-credentials': true, 'key-template': '{date}/{name}', accept: '.png',
    });
    expect([el.maxSize, el.minSize, el.maxFiles, el.uploadDir, el.concurrency, el.retries, el.manual, el.withCredentials, el.keyTemplate, el.accept])
      .to.deep.equal([10 * 1024 * 1024, 1, 4, 'images', 2, 5, true, true, '{date}/{name}', '.png']);
    expect(el.getAttribute('upload-dir')).to.equal('images');
    expect([el.dir, getComputedStyle(el).direction]).to.deep.equal(['rtl', 'rtl']);
  });

  it('exports a stable list of error codes and the headless controller', () => {
    expect(ERROR_CODES).to.include.members(['too-large', 'too-small', 'wrong-type', 'too-many-files', 'too-large-for-strategy',
      'credentials-network', 'credentials-unauthorized', 'credentials-invalid', 'network', 'oss-error', 'aborted']);
    const error = new UploadError('network', 'x');
    expect(error.retryable).to.equal(true);
    expect(new UploadError('oss-error', 'x', { status: 403, ossCode: 'AccessDenied' }).toJSON())
      .to.deep.equal({ code: 'oss-error', message: 'x', status: 403, ossCode: 'AccessDenied', retryable: false });
    expect(new UploadController()).to.be.instanceOf(EventTarget);
  });

  describe('validation, before any request', () => {
    it('accept, max-size, min-size and max-files reject with codes, and nothing is asked of anyone', async () => {
      await resetSignCalls();
      await clearEmulatorRequests();
      const el = await mount({ endpoint: '/sign', accept: '.png,image/jpeg,text/*', 'max-size': '1KB', 'min-size': '2', 'max-files': '2', multiple: true, manual: true });
      const events = record(el);
      await el.addFiles([
        makeFile('a.gif', 10, 'image/gif').file,
        makeFile('b.PNG', 2000, 'image/png').file,
        makeFile('c.txt', 1, 'text/plain').file,
        makeFile('d.jpg', 10, 'image/jpeg').file,
        makeFile('e.txt', 10, 'text/plain').file,
        makeFile('f.png', 10, 'image/png').file,
      ]);
      const [rejected] = details(events, 'oss-upload-reject');
      expect(rejected!.files.map((f) => [f.name, f.code])).to.deep.equal([
        ['a.gif', 'wrong-type'], ['b.PNG', 'too-large'], ['c.txt', 'too-small'], ['f.png', 'too-many-files'],
      ]);
      expect(rejected!.files.every((f) => f.message.length > 0)).to.equal(true);
      const [selected] = details(events, 'oss-upload-select');
      expect(selected!.files.map((f) => [f.name, f.status])).to.deep.equal([['d.jpg', 'pending'], ['e.txt', 'pending']]);
      expect(el.files.map((f) => f.status)).to.deep.equal(['pending', 'pending']);
      await el.addFiles([makeFile('g.png', 10, 'image/png').file]);
      expect(details(events, 'oss-upload-reject')[1]!.files[0]!.code).to.equal('too-many-files');
      await new Promise((r) => setTimeout(r, 100));
      expect(await signCalls()).to.deep.equal({});
      expect((await emulatorRequests()).filter((r) => r.op === 'PostObject')).to.deep.equal([]);
    });

    it('without multiple, takes one file per selection', async () => {
      const el = await mount({ endpoint: '/sign', manual: true });
      const events = record(el);
      await el.addFiles([makeFile('one.txt', 1).file, makeFile('two.txt', 1).file]);
      expect(details(events, 'oss-upload-select')[0]!.files.map((f) => f.name)).to.deep.equal(['one.txt']);
      expect(details(events, 'oss-upload-reject')[0]!.files.map((f) => [f.name, f.code])).to.deep.equal([['two.txt', 'too-many-files']]);
    });
  });

  describe('oss-upload-before', () => {
    it('preventDefault() skips the file; the others go on', async () => {
      await clearEmulatorRequests();
      const el = await mount({ endpoint: '/sign', multiple: true });
      const events = record(el);
      el.addEventListener('oss-upload-before', (e) => {
        if (e.detail.file.name === 'skip.txt') e.preventDefault();
      });
      const done = next(el, 'oss-upload-complete');
      await el.addFiles([makeFile('skip.txt', 10).file, makeFile('keep.txt', 10).file]);
      await done;
      expect(details(events, 'oss-upload-start').map((d) => d.file.name)).to.deep.equal(['keep.txt']);
      expect(details(events, 'oss-upload-success').map((d) => d.file.name)).to.deep.equal(['keep.txt']);
      expect(el.files.map((f) => [f.name, f.status])).to.deep.equal([['skip.txt', 'skipped'], ['keep.txt', 'success']]);
      expect((await emulatorRequests()).filter((r) => r.op === 'PostObject')).to.have.length(1);
    });

    it('can change the key and add metadata', async () => {
      const el = await mount({ endpoint: '/sign' });
      el.addEventListener('oss-upload-before', (e) => {
        e.detail.key = `avatars/${e.detail.file.name}`;
        e.detail.meta['owner'] = 'ada';
      });
      const success = next(el, 'oss-upload-success');
      await el.addFiles([makeFile('me.png', 10, 'image/png').file]);
      const { detail } = await success;
      expect(detail.key).to.equal('uploads/avatars/me.png');
      expect((await stored(detail.key))?.userMeta).to.deep.equal({ 'x-oss-meta-owner': 'ada' });
    });

    it('key-template shapes the key', async () => {
      const el = await mount({ endpoint: '/sign', 'key-template': '{yyyy}/{base}-{uuid}{ext}' });
      const success = next(el, 'oss-upload-success');
      await el.addFiles([makeFile('Report 2026.PDF', 10, 'application/pdf').file]);
      const year = new Date().toISOString().slice(0, 4);
      expect((await success).detail.key).to.match(new RegExp(`^uploads/${year}/Report 2026-[0-9a-f-]{36}\\.PDF$`));
    });

    it('an unknown placeholder is an invalid-key error', async () => {
      const el = await mount({ endpoint: '/sign', 'key-template': '{nope}/{name}' });
      const error = next(el, 'oss-upload-error');
      await el.addFiles([makeFile('x.txt', 1).file]);
      expect((await error).detail.code).to.equal('invalid-key');
    });
  });

  describe('manual, abort, retry, remove, clear', () => {
    it('manual waits for upload()', async () => {
      await resetSignCalls();
      const el = await mount({ endpoint: '/sign', manual: true });
      await el.addFiles([makeFile('later.txt', 10).file]);
      await new Promise((r) => setTimeout(r, 50));
      expect(el.files[0]!.status).to.equal('pending');
      expect(await signCalls()).to.deep.equal({});
      const complete = next(el, 'oss-upload-complete');
      el.upload();
      expect((await complete).detail.successful.map((f) => f.name)).to.deep.equal(['later.txt']);
    });

    it('the retry button uploads a failed file again; remove and clear empty the list', async () => {
      await setFaults({ failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
      const el = await mount({ endpoint: '/sign', retries: '0' });
      const events = record(el);
      const failed = next(el, 'oss-upload-error');
      await el.addFiles([makeFile('again.txt', 10).file]);
      await failed;
      await el.updateComplete;
      expect(part(el, 'file')!.dataset['status']).to.equal('error');
      expect(part(el, 'error')!.textContent).to.match(/storage service/i);
      expect(part(el, 'error')!.title).to.contain('OSS refused the upload (HTTP 500 InternalError)');
      expect(part(el, 'file-error')).to.equal(part(el, 'file'));
      const success = next(el, 'oss-upload-success');
      part(el, 'retry-button')!.click();
      await success;
      expect(details(events, 'oss-upload-retry')[0]).to.include({ manual: true, attempt: 1 });
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.equal('Uploaded');
      part(el, 'remove-button')!.click();
      await el.updateComplete;
      expect(el.files).to.deep.equal([]);
      expect(part(el, 'file-list')).to.equal(null);

      el.manual = true;
      await el.addFiles([makeFile('a.txt', 1).file]);
      el.clear();
      expect(el.files).to.deep.equal([]);
    });

    it('the cancel button aborts an upload', async () => {
      await setFaults({ bandwidth: 256 * 1024 });
      const el = await mount({ endpoint: '/sign' });
      const started = next(el, 'oss-upload-start');
      await el.addFiles([makeFile('slow.bin', 2 * 1024 * 1024).file]);
      await started;
      await el.updateComplete;
      const aborted = next(el, 'oss-upload-abort');
      part(el, 'cancel-button')!.click();
      await aborted;
      await el.updateComplete;
      expect(part(el, 'file')!.dataset['status']).to.equal('aborted');
      expect(part(el, 'retry-button')).to.exist;
    });

    it('remove() without an id is Element.remove()', async () => {
      const el = await mount({ endpoint: '/sign' });
      el.remove();
      expect(el.isConnected).to.equal(false);
    });
  });

  describe('default UI', () => {
    it('renders every documented part for files in different states', async () => {
      const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
      await el.addFiles([makeFile('photo.png', 2500, 'image/png').file]);
      await el.updateComplete;
      for (const name of ['dropzone', 'button', 'hint', 'file-list', 'file', 'file-name', 'file-size', 'progress', 'status', 'remove-button']) {
        expect(part(el, name), name).to.exist;
      }
      expect(getComputedStyle(part(el, 'file')!).display).to.equal('grid'); // the row's own style applies
      expect(part(el, 'file-name')!.textContent).to.equal('photo.png');
      expect(part(el, 'file-size')!.textContent).to.equal('2.4 kB'); // CLDR's unit name, in binary multiples as max-size reads them
      expect(part(el, 'button')!.textContent!.trim()).to.equal('Choose files');
    });

    it('is styled from outside through parts, per-status parts and custom properties', async () => {
      const style = document.createElement('style');
      style.textContent = `
        oss-upload.styled { --oss-upload-accent-color: rgb(10, 20, 30); }
        oss-upload.styled::part(file-pending) { background-color: rgb(1, 2, 3); }
        oss-upload.styled[dragover]::part(dropzone) { outline: 3px solid rgb(4, 5, 6); }`;
      document.head.append(style);
      try {
        const el = await mount({ endpoint: '/sign', manual: true, class: 'styled' });
        await el.addFiles([makeFile('a.txt', 1).file]);
        await el.updateComplete;
        expect(getComputedStyle(part(el, 'button')!).backgroundColor).to.equal('rgb(10, 20, 30)');
        expect(getComputedStyle(part(el, 'file-pending')!).backgroundColor).to.equal('rgb(1, 2, 3)');
        part(el, 'dropzone')!.dispatchEvent(dragEvent('dragenter', [makeFile('b.txt', 1).file]));
        expect(getComputedStyle(part(el, 'dropzone')!).outlineColor).to.equal('rgb(4, 5, 6)');
      } finally {
        style.remove();
      }
    });

    it('the button label comes from the default slot', async () => {
      const el = await mount({ endpoint: '/sign' }, (e) => {
        e.textContent = 'Upload avatar';
      });
      const slot = part(el, 'button')!.querySelector('slot')!;
      expect(slot.assignedNodes().map((n) => n.textContent)).to.deep.equal(['Upload avatar']);
    });

    it('click on the drop zone, and Enter or Space on the button, open the picker; disabled does not', async () => {
      const el = await mount({ endpoint: '/sign' });
      const spy = spyPicker(el);
      part(el, 'dropzone')!.click();
      expect(spy.opened).to.equal(1);
      part(el, 'button')!.focus();
      await sendKeys({ press: 'Enter' });
      await sendKeys({ press: 'Space' });
      expect(spy.opened).to.equal(3);
      el.disabled = true;
      await el.updateComplete;
      part(el, 'dropzone')!.click();
      el.browse();
      expect(spy.opened).to.equal(3);
      expect((part(el, 'button') as HTMLButtonElement).disabled).to.equal(true);
    });

    it('drag-and-drop: a visible dragover state, then the dropped files are added', async () => {
      const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
      const zone = part(el, 'dropzone')!;
      const { file } = makeFile('dropped.txt', 5, 'text/plain');
      const idle = getComputedStyle(zone).backgroundColor;
      zone.dispatchEvent(dragEvent('dragenter', [file]));
      const over = dragEvent('dragover', [file]);
      zone.dispatchEvent(over);
      await el.updateComplete;
      expect(over.defaultPrevented).to.equal(true);
      expect(el.hasAttribute('dragover')).to.equal(true);
      expect(zone.hasAttribute('data-dragover')).to.equal(true);
      expect(el.matches(':state(dragover)')).to.equal(true);
      await new Promise((r) => setTimeout(r, 250)); // the colour change is a 150 ms transition
      expect(getComputedStyle(zone).backgroundColor).to.not.equal(idle);
      const selected = next(el, 'oss-upload-select');
      zone.dispatchEvent(dragEvent('drop', [file]));
      expect((await selected).detail.files.map((f) => f.name)).to.deep.equal(['dropped.txt']);
      await el.updateComplete;
      expect(el.hasAttribute('dragover')).to.equal(false);
    });

    it('pasting files adds them', async () => {
      const el = await mount({ endpoint: '/sign', manual: true });
      const clipboardData = new DataTransfer();
      clipboardData.items.add(makeFile('pasted.png', 3, 'image/png').file);
      const selected = next(el, 'oss-upload-select');
      part(el, 'button')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, composed: true, cancelable: true }));
      expect((await selected).detail.files[0]!.name).to.equal('pasted.png');
    });

    it('choosing files through the input adds them', async () => {
      const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!;
      const dataTransfer = new DataTransfer();
      dataTransfer.items.add(makeFile('picked.txt', 3).file);
      input.files = dataTransfer.files;
      const selected = next(el, 'oss-upload-select');
      input.dispatchEvent(new Event('change'));
      expect((await selected).detail.files[0]!.name).to.equal('picked.txt');
      expect(input.value).to.equal('');
    });

    it('events bubble out of shadow roots and are composed, with plain-data details', async () => {
      const host = document.createElement('div');
      const root = host.attachShadow({ mode: 'open' });
      const el = document.createElement('oss-upload');
      el.manual = true;
      root.append(el);
      document.body.append(host);
      let seen: OssUploadSelectEvent | undefined;
      document.addEventListener('oss-upload-select', (e) => (seen = e), { once: true });
      await el.addFiles([makeFile('x.txt', 1).file]);
      host.remove();
      expect(seen).to.be.instanceOf(OssUploadSelectEvent);
      expect(seen!.bubbles && seen!.composed).to.equal(true);
      expect(structuredClone(seen!.detail)).to.deep.equal(seen!.detail);
    });

    it('is accessible, idle and with files in several states', async () => {
      const el = await mount({ endpoint: '/sign', multiple: true, 'retry-delay': '10', retries: '0' });
      await expect(el).to.be.accessible();
      const done = next(el, 'oss-upload-complete');
      await el.addFiles([makeFile('ok.txt', 10).file]);
      await done;
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('ok.txt: Uploaded');
      await setFaults({ failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
      const done2 = next(el, 'oss-upload-complete');
      await el.addFiles([makeFile('fails.txt', 10).file]);
      await done2;
      el.manual = true;
      await el.addFiles([makeFile('waiting.txt', 10).file]);
      await el.updateComplete;
      expect(parts(el, 'file').map((f) => f.dataset['status'])).to.have.members(['success', 'error', 'pending']);
      await expect(el).to.be.accessible();
    });
  });
});

// Paste anywhere on the page (`paste`), and `capture` for phones' cameras. The pastes are
// ClipboardEvents carrying real Files (what Chromium hands a page when an image or a file is
// pasted); the files go to the emulator.
import { expect } from '@open-wc/testing';
import { cleanup, makeFile, mount, next, part, record, details, stored } from './support.js';

/** A paste of these files, dispatched at `target` as the browser does at the focused element (or the body). */
function paste(target: EventTarget, files: File[]): ClipboardEvent {
  const clipboardData = new DataTransfer();
  for (const file of files) clipboardData.items.add(file);
  const event = new ClipboardEvent('paste', { clipboardData, bubbles: true, composed: true, cancelable: true });
  target.dispatchEvent(event);
  return event;
}

const uniq = (name: string) => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-${name}`;

describe('<oss-upload> paste', function () {
  this.timeout(30_000);
  afterEach(cleanup);

  it('with paste, a paste anywhere on the page is uploaded', async () => {
    const el = await mount({ endpoint: '/sign', paste: true, multiple: true });
    const name = uniq('screenshot.png');
    const success = next(el, 'oss-upload-success');
    const event = paste(document.body, [makeFile(name, 300, 'image/png').file]);
    expect(event.defaultPrevented, 'the page does nothing else with it').to.equal(true);
    const { detail } = await success;
    expect(detail.file.name).to.equal(name);
    expect((await stored(detail.key))?.size).to.equal(300);
  });

  it('with paste, a paste into a text field or an editor stays theirs', async () => {
    const el = await mount({ endpoint: '/sign', paste: true, manual: true });
    const events = record(el);
    const field = document.createElement('textarea');
    const editor = Object.assign(document.createElement('div'), { contentEditable: 'true' });
    document.body.append(field, editor);
    try {
      for (const target of [field, editor]) expect(paste(target, [makeFile('into-field.png', 3, 'image/png').file]).defaultPrevented).to.equal(false);
      // The same paste on the page's body is the element's: the test would pass with paste ignored altogether otherwise.
      expect(paste(document.body, [makeFile('on-page.png', 3, 'image/png').file]).defaultPrevented).to.equal(true);
      await el.updateComplete;
      expect(details(events, 'oss-upload-select').flatMap((d) => d.files.map((f) => f.name))).to.deep.equal(['on-page.png']);
    } finally {
      field.remove();
      editor.remove();
    }
  });

  it('without paste, only a paste into the element counts; a disabled element takes none', async () => {
    const el = await mount({ endpoint: '/sign', manual: true });
    const events = record(el);
    expect(paste(document.body, [makeFile('elsewhere.txt', 3).file]).defaultPrevented).to.equal(false);
    expect(paste(part(el, 'button')!, [makeFile('into-element.txt', 3).file]).defaultPrevented).to.equal(true);
    const off = await mount({ endpoint: '/sign', paste: true, manual: true, disabled: true });
    const offEvents = record(off);
    paste(document.body, [makeFile('while-disabled.txt', 3).file]);
    await el.updateComplete;
    expect(details(events, 'oss-upload-select').flatMap((d) => d.files.map((f) => f.name))).to.deep.equal(['into-element.txt']);
    expect(offEvents).to.deep.equal([]);
  });

  it('of two elements with paste, the first takes a page paste; a paste into the second is its own', async () => {
    const first = await mount({ endpoint: '/sign', paste: true, manual: true });
    const second = await mount({ endpoint: '/sign', paste: true, manual: true });
    paste(document.body, [makeFile('page.txt', 3).file]);
    paste(part(second, 'button')!, [makeFile('own.txt', 3).file]);
    await Promise.all([first.updateComplete, second.updateComplete]);
    expect(first.files.map((f) => f.name)).to.deep.equal(['page.txt']);
    expect(second.files.map((f) => f.name)).to.deep.equal(['own.txt']);
  });

  it('stops listening when the element leaves the page', async () => {
    const el = await mount({ endpoint: '/sign', paste: true, manual: true });
    el.remove();
    expect(paste(document.body, [makeFile('after.txt', 3).file]).defaultPrevented).to.equal(false);
    expect(el.files).to.deep.equal([]);
  });
});

describe('<oss-upload> capture', () => {
  afterEach(cleanup);

  it('is forwarded to the file input, for phones\' cameras', async () => {
    const input = (el: HTMLElement) => el.shadowRoot!.querySelector('input[type=file]')!;
    const rear = await mount({ endpoint: '/sign', capture: 'environment', accept: 'image/*' });
    expect(input(rear).getAttribute('capture')).to.equal('environment');
    const any = await mount({ endpoint: '/sign', capture: true });
    expect(input(any).getAttribute('capture')).to.equal('');
    const none = await mount({ endpoint: '/sign' });
    expect(input(none).hasAttribute('capture')).to.equal(false);
    rear.capture = 'user';
    await rear.updateComplete;
    expect(input(rear).getAttribute('capture')).to.equal('user');
  });
});

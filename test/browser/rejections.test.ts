// <oss-upload>'s refusals, as a sighted user and a screen reader meet them: a note per refused file
// in the widget stating the rule broken and its limit in the user's language ("photo.png is larger
// than 10 MB"), dismissible by keyboard, announced once through the live region (the notes
// themselves are not live), replaced by the next choice, and accessible (axe).
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, mount, part, parts } from './support.js';

const MiB = 1024 * 1024;

/** A file of that size (zeros: the content does not matter before any request). */
const file = (name: string, size: number, type = '') => new File([new Uint8Array(size)], name, { type });

const notes = (el: OssUpload) => parts(el, 'rejection').map((n) => n.querySelector('[part~="rejection-text"]')!.textContent);
const liveRegion = (el: OssUpload) => el.shadowRoot!.querySelector<HTMLElement>('[role=status]')!;

describe('<oss-upload> rejections', function () {
  this.timeout(30_000);
  const regions: HTMLElement[] = [];
  afterEach(async () => {
    for (const r of regions.splice(0)) r.remove();
    await cleanup();
  });

  it('each refused file gets a visible note naming the rule and its limit', async () => {
    const el = await mount({ endpoint: '/sign', accept: '.png,image/jpeg,text/*', 'max-size': '10MB', 'min-size': '2', 'max-files': '2', multiple: true, manual: true });
    await el.addFiles([
      file('photo.png', 12 * MiB, 'image/png'),
      file('a.gif', 10, 'image/gif'),
      file('c.txt', 1, 'text/plain'),
      file('d.jpg', 10, 'image/jpeg'),
      file('e.txt', 10, 'text/plain'),
      file('f.png', 10, 'image/png'),
    ]);
    await el.updateComplete;
    expect(notes(el)).to.deep.equal([
      'photo.png is larger than 10 MB.',
      'a.gif is not an accepted type of file (accepted: .png, image/jpeg, and text/*).',
      'c.txt is smaller than 2 bytes.',
      'f.png was not added: the list holds at most 2 files.',
    ]);
    expect(el.files.map((f) => f.name)).to.deep.equal(['d.jpg', 'e.txt']);
    // The list sits in the widget, visible, between the drop zone and the file list.
    const list = part(el, 'rejections')!;
    expect(list.getBoundingClientRect().height).to.be.above(0);
    expect(list.compareDocumentPosition(part(el, 'file-list')!) & Node.DOCUMENT_POSITION_FOLLOWING).to.not.equal(0);
    expect(getComputedStyle(parts(el, 'rejection-text')[0]!).color).to.equal('rgb(197, 34, 31)'); // --oss-upload-error-color
    await expect(el).to.be.accessible();
  });

  it('plural rules: "at most 1 file", "at most 3 files"; without multiple, one file at a time', async () => {
    const one = await mount({ endpoint: '/sign', 'max-files': '1', multiple: true, manual: true });
    await one.addFiles([file('a.txt', 1), file('b.txt', 1)]);
    const three = await mount({ endpoint: '/sign', 'max-files': '3', multiple: true, manual: true });
    await three.addFiles([file('a.txt', 1), file('b.txt', 1), file('c.txt', 1), file('d.txt', 1)]);
    const single = await mount({ endpoint: '/sign', manual: true });
    await single.addFiles([file('a.txt', 1), file('b.txt', 1)]);
    await Promise.all([one.updateComplete, three.updateComplete, single.updateComplete]);
    expect(notes(one)).to.deep.equal(['b.txt was not added: the list holds at most 1 file.']);
    expect(notes(three)).to.deep.equal(['d.txt was not added: the list holds at most 3 files.']);
    expect(notes(single)).to.deep.equal(['b.txt was not added: choose one file at a time.']);
  });

  it('in the element\'s language: zh-CN sentences with Intl sizes and lists', async () => {
    const region = document.createElement('div');
    region.lang = 'zh-CN';
    document.body.append(region);
    regions.push(region);
    const el = document.createElement('oss-upload');
    el.setAttribute('accept', '.png,image/jpeg');
    el.setAttribute('max-size', '10MB');
    el.setAttribute('max-files', '1');
    el.multiple = true;
    el.manual = true;
    region.append(el);
    await el.updateComplete;
    await el.addFiles([file('照片.png', 12 * MiB, 'image/png'), file('动画.gif', 10, 'image/gif'), file('a.png', 1, 'image/png'), file('b.png', 1, 'image/png')]);
    await el.updateComplete;
    expect(notes(el)).to.deep.equal([
      '照片.png 超过了 10 MB 的大小限制。',
      '动画.gif 的文件类型不受支持，仅支持 .png和image/jpeg。',
      'b.png 未添加：最多只能上传 1 个文件。',
    ]);
    expect(part(el, 'dismiss-button')!.textContent).to.equal('关闭');
    expect(part(el, 'dismiss-button')!.getAttribute('aria-label')).to.equal('关闭关于 照片.png 的提示');
    expect(part(el, 'rejections')!.getAttribute('aria-label')).to.equal('未添加的文件');
    expect(liveRegion(el).textContent).to.equal(notes(el).join(' '));
  });

  it('announced once: the live region says the sentences, the notes are not live; the same refusal again is said again', async () => {
    const el = await mount({ endpoint: '/sign', 'max-size': '1KB', manual: true });
    const said: string[] = [];
    const watch = new MutationObserver(() => said.push(liveRegion(el).textContent ?? ''));
    watch.observe(liveRegion(el), { subtree: true, childList: true, characterData: true });
    await el.addFiles([file('big.bin', 2048)]);
    await el.updateComplete;
    expect(liveRegion(el).textContent).to.equal('big.bin is larger than 1 kB.');
    // Nothing else in the widget is live, so a screen reader hears the refusal once.
    const live = [...el.shadowRoot!.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log], output')];
    expect(live).to.deep.equal([liveRegion(el)]);
    expect(part(el, 'rejections')!.closest('[aria-live]')).to.equal(null);

    await el.addFiles([file('big.bin', 2048)]);
    await el.updateComplete;
    await el.updateComplete;
    watch.disconnect();
    expect(liveRegion(el).textContent).to.equal('big.bin is larger than 1 kB.');
    expect(said.filter((t) => t.trim()).length, said.join(' | ')).to.equal(2);
    expect(said.some((t) => t.trim() === ''), 'emptied in between').to.equal(true);
    expect(notes(el)).to.deep.equal(['big.bin is larger than 1 kB.']); // replaced, not piled up
  });

  it('notes are dismissed by keyboard, focus going to the next note, then to the choose button; a new choice replaces them', async () => {
    const el = await mount({ endpoint: '/sign', 'max-size': '1KB', multiple: true, manual: true });
    await el.addFiles([file('one.bin', 2048), file('two.bin', 2048), file('ok.bin', 10)]);
    await el.updateComplete;
    expect(notes(el)).to.deep.equal(['one.bin is larger than 1 kB.', 'two.bin is larger than 1 kB.']);
    part(el, 'button')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal('Dismiss the note about one.bin');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(notes(el)).to.deep.equal(['two.bin is larger than 1 kB.']);
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal('Dismiss the note about two.bin');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(part(el, 'rejections')).to.equal(null);
    expect(document.activeElement).to.equal(el);
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'button'));

    await el.addFiles([file('three.bin', 2048)]);
    await el.updateComplete;
    expect(notes(el)).to.deep.equal(['three.bin is larger than 1 kB.']);
    await el.addFiles([file('fine.bin', 10)]); // a choice with nothing refused closes the notes of the last one
    await el.updateComplete;
    expect(part(el, 'rejections')).to.equal(null);
    await el.addFiles([file('four.bin', 2048)]);
    el.clear();
    await el.updateComplete;
    expect(part(el, 'rejections')).to.equal(null);
  });
});

// What the element's core leaves for first use (src/element/features.ts): the form control, the
// notes about refused files, the batch summary and the previews. Web Test Runner serves the source
// modules one by one, so the page's resource entries name each module it downloaded. The tests
// run in this order on one page: a module a test loaded stays loaded for the next ones.
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, makeFile, mount, next, part, parts, uploadAll } from './support.js';

/** The source modules of each feature (what the core downloads when it is first used). */
const FEATURES = {
  form: ['/src/form.ts'],
  notes: ['/src/ui/rejections.ts'],
  summary: ['/src/ui/summary.ts', '/src/ui/rate.ts'],
  previews: ['/src/ui/preview.ts', '/src/ui/icons.ts', '/node_modules/lit/async-directive.js'],
} as const;

// The default buffer (250 entries) is not far above what a test page loads: none may be left out.
performance.setResourceTimingBufferSize(10_000);

/** Whether the page has requested the module at `path` (its URL's path ends with it). */
const requested = (path: string) => performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname.endsWith(path));
/** Which of a feature's modules the page has requested. */
const loaded = (feature: keyof typeof FEATURES) => FEATURES[feature].filter(requested);

const added: HTMLElement[] = [];

describe('<oss-upload> features loaded on first use', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await cleanup();
    for (const node of added.splice(0)) node.remove();
  });

  // First in this file: the page has loaded none of the features yet.
  it('a single-file signed-policy upload outside a form, previews="none", downloads none of them', async () => {
    const el = await mount({ endpoint: '/sign', previews: 'none' });
    const success = next(el, 'oss-upload-success');
    await uploadAll(el, [makeFile(`lean-${crypto.randomUUID()}.txt`, 1000, 'text/plain').file]);
    expect((await success).detail.file.name).to.match(/^lean-/);
    await el.updateComplete;
    // The row is there, styled, with its ✓ (the marks come with the list), and no preview cell.
    expect(requested('/src/element/core.ts'), 'the core').to.equal(true);
    expect(part(el, 'file')!.dataset['status']).to.equal('success');
    expect(part(el, 'mark')!.getAttribute('part')).to.equal('mark mark-success');
    expect(getComputedStyle(part(el, 'file-list')!).listStyleType).to.equal('none');
    expect(part(el, 'preview') === null, 'a preview cell').to.equal(true);
    expect(el.validity.valid).to.equal(true);
    for (const feature of Object.keys(FEATURES) as Array<keyof typeof FEATURES>) expect(loaded(feature), feature).to.deep.equal([]);
  });

  it('the notes load with the first refusal: shown, styled and announced once they are here', async () => {
    const el = await mount({ endpoint: '/sign', accept: '.png', previews: 'none' });
    await el.addFiles([makeFile('a.png', 10, 'image/png').file]);
    expect(loaded('notes'), 'before any refusal').to.deep.equal([]);
    await el.addFiles([makeFile('notes.txt', 10, 'text/plain').file]);
    await el.updateComplete;
    expect(loaded('notes')).to.deep.equal(FEATURES.notes);
    expect(parts(el, 'rejection-text').map((n) => n.textContent)).to.deep.equal(['notes.txt is not an accepted type of file (accepted: .png).']);
    const note = getComputedStyle(part(el, 'rejection')!);
    expect([note.borderInlineStartWidth, note.color]).to.deep.equal(['3px', 'rgb(197, 34, 31)']);
    expect(el.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('notes.txt is not an accepted type of file (accepted: .png).');
    expect(loaded('summary'), 'one file at a time').to.deep.equal([]);
  });

  it('the summary loads when a batch first holds two files, and shows that batch\'s outcome', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true, previews: 'none' });
    await el.addFiles([makeFile('one.txt', 10, 'text/plain').file, makeFile('two.txt', 10, 'text/plain').file]);
    expect(loaded('summary'), 'pending files are no batch').to.deep.equal([]);
    const done = next(el, 'oss-upload-complete');
    el.upload();
    await done;
    await el.updateComplete;
    expect(loaded('summary')).to.deep.equal(FEATURES.summary);
    const summary = part(el, 'summary')!;
    expect(summary.getAttribute('part')).to.equal('summary summary-done');
    expect(part(el, 'summary-text')!.textContent!.trim()).to.equal('2 files uploaded');
    expect(getComputedStyle(summary).display).to.equal('flex');
  });

  it('the previews load with the first row that has a preview cell, which keeps its size meanwhile', async () => {
    expect(loaded('previews'), 'before').to.deep.equal([]);
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    // The row as first rendered: its cell (empty while the previews' code is on its way) and where the name starts.
    const first = new Promise<{ cell: DOMRect; name: number; icon: boolean }>((resolve) => {
      const observer = new MutationObserver(() => {
        const cell = part(el, 'preview');
        if (!cell) return;
        observer.disconnect();
        resolve({ cell: cell.getBoundingClientRect(), name: part(el, 'file-name')!.getBoundingClientRect().left, icon: part(el, 'file-icon') !== null });
      });
      observer.observe(el.shadowRoot!, { childList: true, subtree: true });
    });
    void el.addFiles([makeFile('report.pdf', 10, 'application/pdf').file]);
    const seen = await first;
    expect(seen.icon, 'the icon before its code').to.equal(false);
    expect([seen.cell.width, seen.cell.height]).to.deep.equal([40, 40]);
    await el.updateComplete;
    expect(loaded('previews')).to.deep.equal(FEATURES.previews);
    expect(part(el, 'file-icon')!.getAttribute('part')).to.equal('file-icon file-icon-pdf');
    expect(getComputedStyle(part(el, 'file-icon')!).width).to.equal('24px'); // 60% of the cell: the previews' sheet is adopted
    expect(part(el, 'file-name')!.getBoundingClientRect().left, 'nothing moved').to.equal(seen.name);
  });

  it('the form control loads when the element joins a form (not before), and for required', async () => {
    const el = await mount({ endpoint: '/sign', name: 'doc', previews: 'none' });
    el.dispatchEvent(new DragEvent('dragenter'));
    await el.updateComplete; // the core is here
    expect(loaded('form'), 'outside a form').to.deep.equal([]);
    const form = document.createElement('form');
    added.push(form);
    document.body.append(form);
    form.append(el);
    await el.updateComplete;
    expect(loaded('form')).to.deep.equal(FEATURES.form);
    // In the success listener the form already holds the key.
    const seen: FormDataEntryValue[][] = [];
    el.addEventListener('oss-upload-success', () => seen.push(new FormData(form).getAll('doc')));
    await uploadAll(el, [makeFile(`form-${crypto.randomUUID()}.txt`, 10, 'text/plain').file]);
    expect(seen).to.deep.equal([[el.files[0]!.key!]]);

    // Another element, outside any form, with its core loaded: required turning on brings its form control.
    const other = await mount({ endpoint: '/sign', previews: 'none' });
    other.dispatchEvent(new DragEvent('dragenter'));
    await other.updateComplete;
    expect(other.validity.valueMissing).to.equal(false);
    other.required = true;
    await other.updateComplete;
    expect(other.validity.valueMissing).to.equal(true);
    expect(other.validationMessage).to.equal('Please upload a file.');
  });

  it('setCustomValidity() with the core there and no form control: said at once, kept by the form control that follows', async () => {
    const el = await mount({ endpoint: '/sign', previews: 'none' });
    el.dispatchEvent(new DragEvent('dragenter'));
    await el.updateComplete;
    el.setCustomValidity('Not yet.');
    expect(el.validity.customError).to.equal(true);
    expect(el.validationMessage).to.equal('Not yet.');
    await el.updateComplete;
    expect(el.validationMessage).to.equal('Not yet.');
    expect(el.checkValidity()).to.equal(false);
    el.setCustomValidity('');
    expect(el.checkValidity()).to.equal(true);
  });

  it('a form control whose code cannot be loaded loses no file and hangs nothing: the form sees what ElementInternals holds, logged once', async () => {
    // A page whose import map sends the form control's module to a URL that does not exist.
    const origin = location.origin;
    const page = `<!doctype html><meta charset="utf-8">
      <script type="importmap">{"imports": {"${origin}/src/form.ts": "${origin}/__missing-form.js"}}</script>
      <form><oss-upload name="doc" endpoint="${origin}/sign" previews="none"></oss-upload></form>
      <script type="module" src="${origin}/src/oss-upload.ts"></script>`;
    const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
    const frame = document.createElement('iframe');
    added.push(frame);
    const shown = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    frame.src = url;
    document.body.append(frame);
    try {
      await shown;
      const win = frame.contentWindow as Window & typeof globalThis;
      await win.customElements.whenDefined('oss-upload');
      const el = win.document.querySelector('oss-upload') as OssUpload;
      const form = win.document.querySelector('form')!;
      const logged: string[] = [];
      win.console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
      const success = next(el, 'oss-upload-success');
      const ids = await el.addFiles([new win.File(['kept'], `kept-${crypto.randomUUID()}.txt`, { type: 'text/plain' })]);
      expect(ids).to.have.length(1);
      expect((await success).detail.file.status).to.equal('success');
      await el.updateComplete;
      expect(el.files.map((f) => f.status)).to.deep.equal(['success']);
      // No form control: no value handed to the form, and the validity ElementInternals holds (none set: valid).
      expect(new FormData(form).getAll('doc')).to.deep.equal([]);
      expect(form.checkValidity()).to.equal(true);
      // required asks for it again: it fails again, and the console hears of it once in all.
      el.required = true;
      await el.updateComplete;
      expect(el.validity.valid).to.equal(true);
      expect(logged.filter((m) => m.includes('form control could not be loaded'))).to.have.length(1);
    } finally {
      URL.revokeObjectURL(url);
    }
  });
});

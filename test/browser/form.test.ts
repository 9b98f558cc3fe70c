// <oss-upload> as a form control (ElementInternals) in real <form>s, in Chromium, uploading
// through the emulator: the value is the stored keys, validity, reset, fieldset, submit, restore.
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, makeFile, mount, next, part, setFaults, stored, uploadAll } from './support.js';

const added: HTMLElement[] = [];

/** `<form>` (with a `<fieldset>` inside when asked) holding an <oss-upload> with these attributes. */
async function inForm(attributes: Record<string, string | boolean>, options: { fieldset?: boolean } = {}) {
  const el = await mount(attributes);
  const form = document.createElement('form');
  const fieldset = document.createElement('fieldset');
  added.push(form);
  document.body.append(form);
  if (options.fieldset) {
    form.append(fieldset);
    fieldset.append(el);
  } else {
    form.append(el);
  }
  await el.updateComplete;
  return { el, form, fieldset };
}

/** An iframe the form can target; resolves its next load. */
function targetFrame(name: string): { frame: HTMLIFrameElement; loaded: () => Promise<void> } {
  const frame = document.createElement('iframe');
  frame.name = name;
  document.body.append(frame);
  added.push(frame);
  return { frame, loaded: () => new Promise((resolve) => frame.addEventListener('load', () => resolve(), { once: true })) };
}

const storedKeys = (el: OssUpload) => el.files.filter((f) => f.status === 'success').map((f) => f.key!);
const button = (el: OssUpload) => part(el, 'button') as HTMLButtonElement;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Assertions compare DOM nodes as booleans: chai's message for a failed equal of two elements hangs the page.

describe('<oss-upload> in a form', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup();
    for (const node of added.splice(0)) node.remove();
  });

  it('is form-associated and exposes the form and constraint API as native controls do', async () => {
    const { el, form } = await inForm({ endpoint: '/sign', name: 'attachments' });
    expect((el.constructor as typeof OssUpload).formAssociated).to.equal(true);
    expect(el.form === form, 'el.form').to.equal(true);
    expect([...form.elements].includes(el), 'in form.elements').to.equal(true);
    const label = document.createElement('label');
    el.id = 'attachments-field';
    label.htmlFor = el.id;
    label.textContent = 'Attachments';
    form.prepend(label);
    expect([...el.labels].includes(label), 'el.labels').to.equal(true);
    expect(el.willValidate).to.equal(true);
    expect(el.validity.valid).to.equal(true);
    expect(el.validationMessage).to.equal('');
    expect(el.checkValidity()).to.equal(true);
    expect(el.reportValidity()).to.equal(true);
    el.setCustomValidity('Not this one.');
    expect(el.validity.customError).to.equal(true);
    expect(el.validationMessage).to.equal('Not this one.');
    expect(form.checkValidity()).to.equal(false);
    el.setCustomValidity('');
    expect(form.checkValidity()).to.equal(true);
  });

  it('the value is the stored keys: one form entry per key under name, already in the success listener', async () => {
    const { el, form } = await inForm({ endpoint: '/sign', name: 'attachments', multiple: true });
    expect(new FormData(form).getAll('attachments')).to.deep.equal([]);
    const seenInListener: FormDataEntryValue[][] = [];
    el.addEventListener('oss-upload-success', () => seenInListener.push(new FormData(form).getAll('attachments')));
    await uploadAll(el, [makeFile('a.txt', 100, 'text/plain').file, makeFile('b.txt', 200, 'text/plain').file]);
    const keys = storedKeys(el);
    expect(keys).to.have.length(2);
    for (const key of keys) expect(await stored(key), key).to.exist;
    expect(new FormData(form).getAll('attachments')).to.have.members(keys);
    expect(new FormData(form).getAll('attachments')).to.have.length(2);
    expect(seenInListener.at(-1)).to.have.members(keys);
    expect(seenInListener[0]).to.have.length(1);

    // Renaming moves the entries; removing a file takes its key out at once; without a name nothing is sent.
    el.name = 'files';
    await el.updateComplete;
    expect(new FormData(form).getAll('files')).to.have.members(keys);
    expect(new FormData(form).has('attachments')).to.equal(false);
    el.remove(el.files[0]!.id);
    expect(new FormData(form).getAll('files')).to.deep.equal([keys[1]]);
    el.name = '';
    await el.updateComplete;
    expect([...new FormData(form).keys()]).to.deep.equal([]);
  });

  it('required: valueMissing with the strings table message until a file is stored', async () => {
    const { el, form } = await inForm({ endpoint: '/sign', name: 'doc', required: true });
    expect(form.checkValidity()).to.equal(false);
    expect(el.validity.valueMissing).to.equal(true);
    expect(el.validationMessage).to.equal('Please upload a file.');
    expect(el.matches(':invalid')).to.equal(true);
    el.multiple = true;
    await el.updateComplete;
    expect(el.validationMessage).to.equal('Please upload one or more files.');
    el.i18n = { valueMissing: 'Bitte eine Datei hochladen.' };
    await el.updateComplete;
    expect(el.validationMessage).to.equal('Bitte eine Datei hochladen.');

    const invalid: Event[] = [];
    el.addEventListener('invalid', (e) => invalid.push(e));
    expect(form.checkValidity()).to.equal(false);
    expect(invalid).to.have.length(1);

    await uploadAll(el, [makeFile('doc.pdf', 50, 'application/pdf').file]);
    expect(el.validity.valueMissing).to.equal(false);
    expect(el.validity.valid).to.equal(true);
    expect(form.checkValidity()).to.equal(true);
    expect(el.matches(':valid')).to.equal(true);
  });

  it('invalid while an upload runs (customError), valid with its key once stored', async () => {
    await setFaults({ bandwidth: 100_000 }); // ~3 s for the file below
    const { el, form } = await inForm({ endpoint: '/sign', name: 'doc' });
    const started = next(el, 'oss-upload-start');
    const complete = next(el, 'oss-upload-complete');
    await el.addFiles([makeFile('slow.bin', 300 * 1024).file]);
    expect(form.checkValidity(), 'queued').to.equal(false);
    await started;
    await sleep(300);
    expect(el.files[0]!.status).to.equal('uploading');
    expect(form.checkValidity()).to.equal(false);
    expect(el.validity.customError).to.equal(true);
    expect(el.validity.valueMissing).to.equal(false);
    expect(el.validationMessage).to.equal('Please wait until the files have finished uploading.');
    expect(el.reportValidity()).to.equal(false);
    expect(new FormData(form).getAll('doc')).to.deep.equal([]);
    await complete;
    expect(form.checkValidity()).to.equal(true);
    expect(new FormData(form).getAll('doc')).to.deep.equal(storedKeys(el));
  });

  it('a real GET submit sends each key; requestSubmit is blocked while an upload runs', async () => {
    await setFaults({ bandwidth: 100_000 });
    const { el, form } = await inForm({ endpoint: '/sign', name: 'attachments', multiple: true });
    const { frame, loaded } = targetFrame('form-target');
    await sleep(50); // the iframe's first about:blank load
    const title = document.createElement('input');
    title.name = 'title';
    title.value = 'holiday';
    form.prepend(title);
    form.method = 'get';
    form.action = 'about:blank';
    form.target = 'form-target';
    const submits: Event[] = [];
    const invalid: Event[] = [];
    form.addEventListener('submit', (e) => submits.push(e));
    el.addEventListener('invalid', (e) => invalid.push(e));

    const first = next(el, 'oss-upload-success');
    const complete = next(el, 'oss-upload-complete');
    await el.addFiles([makeFile('one.txt', 1000, 'text/plain').file, makeFile('two.bin', 300 * 1024).file]);
    await first;
    await sleep(100);
    expect(el.files.map((f) => f.status)).to.deep.equal(['success', 'uploading']);
    form.requestSubmit();
    await sleep(300);
    expect(submits, 'no submit while uploading').to.have.length(0);
    expect(invalid).to.have.length(1);
    expect(el.shadowRoot!.activeElement === button(el), 'the report focuses the button').to.equal(true);
    expect(frame.contentWindow!.location.search).to.equal('');

    await complete;
    const keys = storedKeys(el);
    expect(keys).to.have.length(2);
    const navigated = loaded();
    form.requestSubmit();
    await navigated;
    expect(submits).to.have.length(1);
    const query = new URLSearchParams(frame.contentWindow!.location.search);
    expect(query.get('title')).to.equal('holiday');
    expect(query.getAll('attachments')).to.deep.equal(keys);
  });

  it('form.reset() empties the list and the value, cancelling a running upload', async () => {
    await setFaults({ bandwidth: 100_000 });
    const { el, form } = await inForm({ endpoint: '/sign', name: 'attachments', multiple: true, required: true });
    await uploadAll(el, [makeFile('kept.txt', 10, 'text/plain').file]);
    expect(new FormData(form).getAll('attachments')).to.have.length(1);
    const aborted = next(el, 'oss-upload-abort');
    // Larger than the socket buffers take at once: the reset comes while most of it is still in the
    // page (a file whose last byte has left is not cut off: it ends as OSS answers, see README "Abort").
    await el.addFiles([makeFile('running.bin', 16 * 1024 * 1024).file]);
    await el.updateComplete;
    expect(part(el, 'file-list') !== null, 'a file list').to.equal(true);
    form.reset();
    expect((await aborted).detail.file.name).to.equal('running.bin');
    expect(el.files).to.deep.equal([]);
    expect([...new FormData(form).keys()]).to.deep.equal([]);
    expect(el.validity.valueMissing).to.equal(true);
    await el.updateComplete;
    expect(part(el, 'file-list') === null, 'no file list').to.equal(true);
  });

  it('a disabled fieldset disables it (button, drop, form data, validation); its own disabled keeps working', async () => {
    const { el, form, fieldset } = await inForm({ endpoint: '/sign', name: 'attachments', manual: true, multiple: true, required: true }, { fieldset: true });
    expect(button(el).disabled).to.equal(false);
    expect(form.checkValidity()).to.equal(false);

    fieldset.disabled = true;
    await el.updateComplete;
    expect(el.matches(':disabled')).to.equal(true);
    expect(el.disabled, 'the own property is not changed').to.equal(false);
    expect(button(el).disabled).to.equal(true);
    expect(el.willValidate).to.equal(false);
    expect(form.checkValidity(), 'a disabled control is not validated').to.equal(true);
    const data = new DataTransfer();
    data.items.add(makeFile('dropped.txt', 5, 'text/plain').file);
    part(el, 'dropzone')!.dispatchEvent(new DragEvent('drop', { bubbles: true, composed: true, cancelable: true, dataTransfer: data }));
    expect(el.files).to.have.length(0);

    fieldset.disabled = false;
    await el.updateComplete;
    expect(el.matches(':disabled')).to.equal(false);
    expect(button(el).disabled).to.equal(false);

    // Both ways at once: enabled only when neither says disabled.
    el.disabled = true;
    fieldset.disabled = true;
    await el.updateComplete;
    fieldset.disabled = false;
    await el.updateComplete;
    expect(button(el).disabled, 'own disabled still holds').to.equal(true);
    expect(el.matches(':disabled')).to.equal(true);
    fieldset.disabled = true;
    el.disabled = false;
    await el.updateComplete;
    expect(button(el).disabled, 'the fieldset still holds').to.equal(true);
    fieldset.disabled = false;
    await el.updateComplete;
    expect(button(el).disabled).to.equal(false);
  });

  it('a disabled element is left out of the form data', async () => {
    const { el, form, fieldset } = await inForm({ endpoint: '/sign', name: 'attachments' }, { fieldset: true });
    await uploadAll(el, [makeFile('a.txt', 10, 'text/plain').file]);
    expect(new FormData(form).getAll('attachments')).to.have.length(1);
    fieldset.disabled = true;
    expect(new FormData(form).getAll('attachments')).to.deep.equal([]);
    fieldset.disabled = false;
    expect(new FormData(form).getAll('attachments')).to.have.length(1);
  });

  it('after a back-navigation the stored keys come back: in the value, as rows without a File', async () => {
    const origin = location.origin;
    const page = `<!doctype html><meta charset="utf-8">
      <form><input name="title"><oss-upload name="attachments" multiple endpoint="${origin}/sign"></oss-upload></form>
      <script type="module" src="${origin}/src/oss-upload.ts"></script>`;
    const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
    const { frame, loaded } = targetFrame('restore');
    const ready = async () => {
      await loaded();
      const win = frame.contentWindow as (Window & typeof globalThis);
      await win.customElements.whenDefined('oss-upload');
      const el = win.document.querySelector('oss-upload') as OssUpload;
      await el.updateComplete;
      return { win, el, form: win.document.querySelector('form')! };
    };
    try {
      let shown = ready();
      frame.src = url;
      const first = await shown;
      first.win.document.querySelector('input')!.value = 'holiday';
      await uploadAll(first.el, [makeFile('photo.jpg', 2048, 'image/jpeg').file]);
      const keys = storedKeys(first.el);
      expect(keys).to.have.length(1);

      const away = loaded();
      first.win.location.href = `${origin}/__env.js`;
      await away;
      shown = ready();
      frame.contentWindow!.history.back();
      const back = await shown;
      await sleep(100); // the restore callback follows the upgrade
      await back.el.updateComplete;
      expect(back.win.document.querySelector('input')!.value, 'the page restored form state at all').to.equal('holiday');
      expect(back.el.files, 'no File came back').to.deep.equal([]);
      expect(new FormData(back.form).getAll('attachments')).to.deep.equal(keys);
      const row = part(back.el, 'file')!;
      expect(row.dataset['status']).to.equal('success');
      expect(part(back.el, 'file-name')!.textContent).to.equal('photo.jpg');
      expect(part(back.el, 'file-size')!.textContent).to.equal('2 kB');
      expect(part(back.el, 'status')!.textContent).to.equal('Uploaded');
      (part(back.el, 'remove-button') as HTMLButtonElement).click();
      await back.el.updateComplete;
      expect(part(back.el, 'file-list') === null, 'no file list').to.equal(true);
      expect(new FormData(back.form).getAll('attachments')).to.deep.equal([]);
    } finally {
      URL.revokeObjectURL(url);
    }
  });
});

// The element's lazy core (src/element/core.ts) and the strategies' lazy code (src/strategies/lazy.ts):
// what reaches the element before they are there is not lost, and the descriptors say what the
// implementations say. What the page downloads, when, is test/node/build.test.ts's (the built bundle).
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { DEFAULT_KEY_TEMPLATE } from '../../src/keys.js';
import { DEFAULT_STRINGS, loadStrings, type BuiltInLanguage } from '../../src/locales/index.js';
import { SHELL_WORDS } from '../../src/element/words.js';
import { DEFAULT_STRATEGY, getStrategy } from '../../src/strategies/index.js';
import type { LazyStrategy } from '../../src/strategies/lazy.js';
import { cleanup, details, errorsOf, mount, record, stored, type Recorded } from './support.js';

/** Resolves once `count` files succeeded (rejects with the errors after `ms`). */
function successes(el: OssUpload, events: Recorded[], count: number, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${details(events, 'oss-upload-success').length} of ${count} stored: ${errorsOf(events)}`)), ms);
    el.addEventListener('oss-upload-success', () => {
      if (details(events, 'oss-upload-success').length < count) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('<oss-upload> lazy core', function () {
  this.timeout(30_000);
  afterEach(cleanup);

  // First in the file: the core module has not been imported in this page yet.
  it('files dropped, chosen and added before the core arrived are all uploaded', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true, 'key-template': 'lazy-{id}/{name}' });
    const events = record(el);
    const stored3 = successes(el, events, 3);
    const dropped = new DataTransfer();
    dropped.items.add(new File(['dropped early'], 'dropped.txt', { type: 'text/plain' }));
    el.shadowRoot!.querySelector('[part~="dropzone"]')!
      .dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true, composed: true }));
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!;
    const chosen = new DataTransfer();
    chosen.items.add(new File(['chosen early!'], 'chosen.txt', { type: 'text/plain' }));
    input.files = chosen.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    const added = el.addFiles([new File(['added early, too'], 'added.txt', { type: 'text/plain' })]);
    // All three came before the core: nothing is listed yet, nothing can pause.
    expect(el.files).to.deep.equal([]);
    expect(el.pause()).to.equal(false);
    expect(await added).to.have.length(1);
    await stored3;
    const done = details(events, 'oss-upload-success');
    expect(done.map((d) => d.file.name).sort()).to.deep.equal(['added.txt', 'chosen.txt', 'dropped.txt']);
    for (const d of done) expect((await stored(d.key))?.size).to.equal(d.file.size);
    // In the order they came.
    expect(details(events, 'oss-upload-select').flatMap((d) => d.files.map((f) => f.name))).to.deep.equal(['dropped.txt', 'chosen.txt', 'added.txt']);
  });

  it('properties set before the core arrived apply; updateComplete waits for the core an intent loads', async () => {
    const el = await mount({ endpoint: '/sign', manual: true });
    let asked = 0;
    el.fetchCredentials = async (request) => {
      asked++;
      return await (await fetch(`/sign?name=${encodeURIComponent(request.name)}&size=${request.size}`)).json() as object;
    };
    el.i18n = { status: { ...DEFAULT_STRINGS.status, pending: 'Waiting for you' } };
    el.dispatchEvent(new DragEvent('dragenter'));
    await el.updateComplete; // the core is there now, and has rendered
    const [id] = await el.addFiles([new File(['x'], 'props.txt')]);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~="status"]')?.textContent).to.equal('Waiting for you');
    const events = record(el);
    const done = successes(el, events, 1);
    el.upload();
    await done;
    expect(asked).to.equal(1);
    expect(details(events, 'oss-upload-success')[0]?.file.id).to.equal(id);
  });

  it('addFiles() then upload() without awaiting keep their order, with the core on its way and with it there (manual)', async () => {
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    el.abort(); // nothing listed and no core on its way: nothing to do
    const events = record(el);
    const first = successes(el, events, 1);
    void el.addFiles([new File(['one'], 'order-1.txt')]); // the core is on its way
    el.upload();
    await first;
    const second = successes(el, events, 2);
    void el.addFiles([new File(['two'], 'order-2.txt')]); // the core is there
    el.upload();
    await second;
    expect(el.files.map((f) => f.status)).to.deep.equal(['success', 'success']);
  });

  it('the shell\'s literal defaults are the core\'s constants', () => {
    const el = document.createElement('oss-upload');
    expect(el.strategy).to.equal(DEFAULT_STRATEGY);
    expect(el.keyTemplate).to.equal(DEFAULT_KEY_TEMPLATE);
  });

  it('the shell\'s words (button, hint) are each language\'s table\'s', async () => {
    for (const [language, words] of Object.entries(SHELL_WORDS)) {
      const table = await loadStrings(language as BuiltInLanguage);
      expect(words, language).to.deep.equal({ chooseFile: table.chooseFile, chooseFiles: table.chooseFiles, chooseFolder: table.chooseFolder, dropHint: table.dropHint, dropHintOne: table.dropHintOne });
    }
  });

  it('each built-in descriptor says what its implementation says (name, largest file, concurrency, pausing)', async () => {
    for (const name of ['signed-policy', 'sts', 'proxy']) {
      const lazy = getStrategy(name)!({ credentials: () => ({}) }) as LazyStrategy;
      const impl = await lazy.load();
      const said = (s: object) => ({
        name: (s as { name: string }).name, maxFileSize: (s as { maxFileSize?: number }).maxFileSize, concurrency: (s as { concurrency?: number }).concurrency,
        pause: typeof (s as { pause?: unknown }).pause, resume: typeof (s as { resume?: unknown }).resume,
      });
      expect(said(lazy), name).to.deep.equal(said(impl));
    }
  });
});

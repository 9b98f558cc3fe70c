// <oss-upload> in the user's language: the `lang` of the element or its nearest ancestor picks the
// words (English built in; Simplified and Traditional Chinese and Japanese loaded on demand) and
// the locale of every number (sizes, percentages, speeds, durations, plurals) through Intl; a
// change of `lang` at run time is followed; the `i18n` property still replaces single strings;
// `dir` is the text direction, and sizes stay readable in right-to-left text.
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { DEFAULT_STRINGS, type OssUploadStrings } from '../../src/core.js';
import { languageOf } from '../../src/locales/index.js';
import { formatsFor } from '../../src/ui/format.js';
import { cleanup, makeFile, mount, next, part, parts, setFaults } from './support.js';

const MiB = 1024 * 1024;

/** A page region with this `lang`, holding a fresh element. */
async function inRegion(lang: string, attributes: Record<string, string | boolean> = {}): Promise<{ region: HTMLElement; el: OssUpload }> {
  const region = document.createElement('section');
  region.lang = lang;
  document.body.append(region);
  const el = document.createElement('oss-upload');
  for (const [name, value] of Object.entries(attributes)) if (value !== false) el.setAttribute(name, value === true ? '' : value);
  region.append(el);
  await el.updateComplete;
  return { region, el };
}

const text = (el: OssUpload, name: string) => part(el, name)?.textContent?.trim();

/** Every string of a table, by its path (`status.uploading`, `rejections.too-many-files.one`). */
function flat(table: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(table)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flat(v as object, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('<oss-upload> languages', function () {
  this.timeout(60_000);
  const regions: HTMLElement[] = [];
  afterEach(async () => {
    for (const r of regions.splice(0)) r.remove();
    await cleanup();
  });
  const region = async (lang: string, attributes: Record<string, string | boolean> = {}) => {
    const made = await inRegion(lang, attributes);
    regions.push(made.region);
    return made;
  };

  it('English is built in; no other language is downloaded until a lang asks for it, and then with the element\'s core', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true });
    expect(document.documentElement.lang).to.equal('');
    expect(text(el, 'button')).to.equal('Choose files');
    expect(text(el, 'hint')).to.equal('or drop them here');
    const fetched = () => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\/src\/locales\/(zh|ja)/.test(n));
    expect(fetched()).to.deep.equal([]);
    // The shell has the button's words in every built-in language: the table comes with the core (when an upload starts).
    const { el: zh } = await region('zh-CN');
    expect(text(zh, 'button')).to.equal('选择文件');
    expect(fetched()).to.deep.equal([]);
    zh.dispatchEvent(new DragEvent('dragenter'));
    await zh.updateComplete;
    expect(fetched()).to.have.length(1);
    expect(fetched()[0]).to.contain('/src/locales/zh-CN');
  });

  it('lang="zh-CN" on the element: Chinese words, Chinese numbers, before its first render shows anything else', async () => {
    const el = document.createElement('oss-upload');
    el.lang = 'zh-CN';
    el.setAttribute('endpoint', '/sign');
    el.manual = true;
    const seen: string[] = [];
    const watch = new MutationObserver(() => {
      const label = el.shadowRoot?.querySelector('[part~="button"]')?.textContent?.trim();
      if (label) seen.push(label);
    });
    document.body.append(el);
    watch.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true });
    regions.push(el);
    await el.updateComplete;
    watch.disconnect();
    expect(seen, 'never English first').to.deep.equal(['选择文件']);
    expect(text(el, 'hint')).to.equal('或将文件拖到此处');
    await el.addFiles([new File([new Uint8Array(19_968)], '照片.png', { type: 'image/png' })]);
    await el.updateComplete;
    const kb = new Intl.NumberFormat('zh-CN', { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }).format(19.5);
    expect(text(el, 'file-size')).to.equal(kb);
    expect(kb).to.match(/^19\.5\s?kB$/i);
    expect(text(el, 'status')).to.equal('待上传');
    expect(part(el, 'remove-button')!.getAttribute('aria-label')).to.equal('移除 照片.png');
    expect(part(el, 'file-list')!.getAttribute('aria-label')).to.equal('文件列表');
    await expect(el).to.be.accessible();
  });

  it('the nearest ancestor with lang decides, also across a shadow root, and a change at run time is followed', async () => {
    const { region: outer, el } = await region('zh-CN', { endpoint: '/sign', multiple: true });
    expect(text(el, 'button')).to.equal('选择文件');
    outer.lang = 'en-GB';
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('Choose files');
    outer.lang = 'ja';
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('ファイルを選択');
    // A nearer ancestor gaining a lang wins over the farther one.
    const inner = document.createElement('div');
    outer.append(inner);
    inner.append(el);
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('ファイルを選択');
    inner.lang = 'zh-TW';
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('選擇檔案');
    // The element's own lang wins over every ancestor; removing it gives the ancestors' back.
    el.lang = 'zh-Hans';
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('选择文件');
    el.removeAttribute('lang');
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('選擇檔案');

    // Inside another component's shadow root: the host's language.
    const host = document.createElement('div');
    host.lang = 'ja';
    const root = host.attachShadow({ mode: 'open' });
    const shadowed = document.createElement('oss-upload');
    root.append(shadowed);
    document.body.append(host);
    regions.push(host);
    await shadowed.updateComplete;
    expect(text(shadowed, 'button')).to.equal('ファイルを選択');
  });

  it('tags map to the tables by script: zh, zh-SG → simplified; zh-HK, zh-Hant → traditional; ja-JP → Japanese; others → English', () => {
    expect(['zh', 'zh-CN', 'zh-SG', 'zh-Hans-HK', 'zh-HK', 'zh-TW', 'zh-Hant', 'zh-MO', 'ja-JP', 'ja', 'en-US', 'de', 'ar', '', 'not a tag!'].map(languageOf))
      .to.deep.equal(['zh-CN', 'zh-CN', 'zh-CN', 'zh-CN', 'zh-TW', 'zh-TW', 'zh-TW', 'zh-TW', 'ja', 'ja', 'en', 'en', 'en', 'en', 'en']);
  });

  it('a language without a table shows English words with that locale\'s numbers; an invalid lang falls back to English', async () => {
    const { el } = await region('de-DE', { endpoint: '/sign', manual: true });
    await el.addFiles([new File([new Uint8Array(19_968)], 'a.bin')]);
    await el.updateComplete;
    expect(text(el, 'button')).to.equal('Choose a file');
    expect(text(el, 'file-size')).to.equal('19,5 kB');
    const { el: odd } = await region('x-invalid-tag!', { endpoint: '/sign', manual: true });
    await odd.addFiles([new File([new Uint8Array(19_968)], 'a.bin')]);
    await odd.updateComplete;
    expect([text(odd, 'button'), text(odd, 'file-size')]).to.deep.equal(['Choose a file', '19.5 kB']);
  });

  it('the i18n property still replaces single strings, over the language\'s', async () => {
    const { el } = await region('zh-CN', { endpoint: '/sign', multiple: true });
    el.i18n = { chooseFiles: '上传附件', status: { pending: '未开始' } as OssUploadStrings['status'] };
    el.manual = true;
    await el.addFiles([makeFile('a.txt', 3).file]);
    await el.updateComplete;
    expect([text(el, 'button'), text(el, 'hint'), text(el, 'status')]).to.deep.equal(['上传附件', '或将文件拖到此处', '未开始']);
    expect(part(el, 'remove-button')!.textContent).to.equal('移除');
  });

  it('every table has every string of the English one, with the same placeholders', async () => {
    const english = flat(DEFAULT_STRINGS);
    const tables = {
      'zh-CN': (await import('../../src/locales/zh-CN.js')).default,
      'zh-TW': (await import('../../src/locales/zh-TW.js')).default,
      ja: (await import('../../src/locales/ja.js')).default,
    };
    for (const [name, table] of Object.entries(tables)) {
      const strings = flat(table);
      for (const [path, value] of english) {
        // Plural forms: a language without "one" has only "other"; every form keeps the placeholders.
        const key = [path, path.replace(/\.(one|two|few|many|zero)$/, '.other'), path.replace(/\.(one|two|few|many|zero|other)$/, '')].find((k) => strings.has(k));
        expect(key, `${name} lacks ${path}`).to.be.a('string');
        expect(placeholders(strings.get(key!)!), `${name} ${path}`).to.deep.equal(placeholders(value));
      }
      // The accessible name holds the visible word (WCAG 2.5.3, axe's label-content-name-mismatch).
      for (const [word, label] of [['cancel', 'cancelLabel'], ['retry', 'retryLabel'], ['pause', 'pauseLabel'], ['resume', 'resumeLabel'],
        ['remove', 'removeLabel'], ['dismiss', 'dismissLabel']] as const) {
        expect(table[label], `${name} ${label}`).to.contain(table[word]);
      }
      const known = (path: string) => english.has(path) || english.has(path.replace(/\.other$/, '')) || english.has(`${path}.other`);
      for (const path of strings.keys()) expect(known(path), `${name} has an unknown ${path}`).to.equal(true);
    }
  });

  it('sizes, percentages, speeds and durations through Intl in the locale; plural rules', () => {
    const en = formatsFor('en');
    expect([en.bytes(0), en.bytes(1), en.bytes(512), en.bytes(19_968), en.bytes(10 * MiB), en.bytes(150 * MiB), en.bytes(5 * 1024 * MiB)])
      .to.deep.equal(['0 bytes', '1 byte', '512 bytes', '19.5 kB', '10 MB', '150 MB', '5 GB']);
    expect([en.percent(42), en.speed(3.2 * MiB), en.speed(800), en.duration(12.2), en.duration(150), en.duration(3700)])
      .to.deep.equal(['42%', '3.2 MB/s', '800 byte/s', '13 sec', '3 min', '1 hr 2 min']);
    expect([en.plural({ one: 'a file', other: 'files' }, 1), en.plural({ one: 'a file', other: 'files' }, 3)]).to.deep.equal(['a file', 'files']);
    const zh = formatsFor('zh-CN');
    const intl = (unit: string, v: number) => new Intl.NumberFormat('zh-CN', { style: 'unit', unit, maximumFractionDigits: 1 }).format(v);
    expect([zh.bytes(19_968), zh.speed(3.2 * MiB), zh.duration(12), zh.list(['.png', 'image/jpeg'])])
      .to.deep.equal([intl('kilobyte', 19.5), intl('megabyte-per-second', 3.2), intl('second', 12), '.png和image/jpeg']);
    expect(zh.plural({ one: 'x', other: 'y' }, 1)).to.equal('y'); // Chinese has no singular form
    const fr = formatsFor('fr');
    expect(fr.percent(42)).to.match(/^42\s%$/u); // the sign where, and the space, French writes it
    expect(fr.bytes(1536)).to.match(/^1,5\sko$/u);
  });

  it('an upload in Chinese: status with percentage, speed and time left, outcome announced in Chinese', async () => {
    // Loopback's socket buffers take the first megabytes at once, the rest goes at the emulator's pace;
    // the speed shows only until the last byte is out, so the pace leaves seconds for it.
    await setFaults({ bandwidth: 1 * MiB });
    const { el } = await region('zh-CN', { endpoint: '/sign' });
    const success = next(el, 'oss-upload-success', 30_000);
    await el.addFiles([makeFile('慢.bin', 12 * MiB).file]);
    // After a second of data the row shows the speed and the time left.
    let status = '';
    for (let i = 0; i < 100 && !part(el, 'rate'); i++) await new Promise((r) => setTimeout(r, 50));
    status = text(el, 'status') ?? '';
    // The speed set apart from the percentage as from the time left: "上传中 42%，3.2 MB/秒，剩余 5秒".
    expect(status).to.match(/^上传中 \d{1,2}%，\S+ ?[kM]B\/秒，剩余 \d+ ?(秒|分钟)$/);
    await setFaults({});
    await success;
    await el.updateComplete;
    expect(text(el, 'status')).to.equal('上传成功');
    expect(part(el, 'rate')).to.equal(null);
    expect(el.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('慢.bin: 上传成功');
  });

  it('accessible (axe) in Chinese and right to left: empty, failed, uploading with its speed, refused', async () => {
    const { el } = await region('zh-CN', { endpoint: '/sign', multiple: true, retries: '0', 'max-size': '20MB', dir: 'rtl' });
    await expect(el).to.be.accessible();
    await setFaults({ bandwidth: 1 * MiB, failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
    const failed = next(el, 'oss-upload-error', 30_000);
    await el.addFiles([makeFile('失败.bin', 10).file]);
    await failed;
    const stored = next(el, 'oss-upload-success', 30_000);
    await el.addFiles([makeFile('上传.bin', 12 * MiB).file]);
    for (let i = 0; i < 100 && !part(el, 'rate'); i++) await new Promise((r) => setTimeout(r, 50));
    await el.addFiles([new File([new Uint8Array(21 * MiB)], '太大.bin')]);
    await el.updateComplete;
    expect(parts(el, 'file').map((f) => f.dataset['status'])).to.deep.equal(['error', 'uploading']);
    expect(part(el, 'rate')).to.exist;
    expect(part(el, 'rejection')).to.exist;
    await expect(el).to.be.accessible();
    await setFaults({});
    await stored;
  });

  it('dir is the text direction, not the upload folder; in RTL "19.5 kB" keeps its order', async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      const old = await mount({ endpoint: '/sign', dir: 'images' });
      expect(old.uploadDir).to.equal(undefined);
      expect(warnings.join('\n')).to.contain('upload-dir="images"');
    } finally {
      console.warn = warn;
    }
    const el = await mount({ endpoint: '/sign', dir: 'rtl', 'upload-dir': 'images', manual: true });
    expect([el.dir, el.uploadDir, getComputedStyle(el).direction]).to.deep.equal(['rtl', 'images', 'rtl']);
    await el.addFiles([new File([new Uint8Array(19_968)], 'report.pdf')]);
    await el.updateComplete;
    const size = part(el, 'file-size')!;
    expect(size.textContent).to.equal('19.5 kB');
    // Where each character is drawn: "19.5" must stand left of "kB", as it reads.
    const node = size.firstChild?.nodeType === Node.TEXT_NODE ? size.firstChild : [...size.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent)!;
    const at = (i: number) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect().left;
    };
    const offset = node.textContent!.indexOf('k');
    expect(at(0), '"1" left of "k"').to.be.below(at(offset));
    expect(parts(el, 'file')[0]!.getBoundingClientRect().width).to.be.above(0);
  });
});

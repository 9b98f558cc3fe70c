// Folders: dropped folders read recursively (depth and count limits, rejections beyond them),
// `directory` for choosing a folder in the picker, each file's relative path (`relativePath`,
// `{path}`). The folders are real ones on disk, dropped and chosen by Chromium itself
// (test/browser/input-servers.mjs), and the files go to the emulator.
import { expect } from '@open-wc/testing';
import { renderKeyTemplate } from '../../src/keys.js';
import { cleanup, details, mount, next, objects, part, parts, record } from './support.js';
import { dropPaths, makeTree, pickPaths } from './input-support.js';

const uniq = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Resolves once `read()` holds, polling every frame (rejects after `ms`). */
async function until(read: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!read()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => requestAnimationFrame(r));
  }
}

describe('<oss-upload> folders', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('a dropped folder is read recursively: each file keeps its path (relativePath, {path} in keys)', async () => {
    const album = uniq();
    const root = await makeTree({
      [`${album}/a.txt`]: 'aaa',
      [`${album}/2024/b.txt`]: 'bbbb',
      [`${album}/2024/summer/c d.txt`]: 'ccccc',
      'loose.txt': 'l',
    }, [`${album}/empty`]);
    const el = await mount({ endpoint: '/sign', multiple: true, 'key-template': `${album}/{path}` });
    const events = record(el);
    const complete = next(el, 'oss-upload-complete', 30_000);
    const folderReader = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('input/folders')).length;
    expect(folderReader(), 'the folder reader loads with the first folder, not before').to.equal(0);
    await dropPaths(el, [`${root}/${album}`, `${root}/loose.txt`]);
    await complete;
    expect(folderReader()).to.equal(1);

    const selected = details(events, 'oss-upload-select').flatMap((d) => d.files);
    // Files before folders, by name, depth first.
    expect(selected.map((f) => [f.name, f.relativePath, f.size])).to.deep.equal([
      ['loose.txt', undefined, 1],
      ['a.txt', `${album}/a.txt`, 3],
      ['b.txt', `${album}/2024/b.txt`, 4],
      ['c d.txt', `${album}/2024/summer/c d.txt`, 5],
    ]);
    expect(details(events, 'oss-upload-reject')).to.deep.equal([]);
    const keys = details(events, 'oss-upload-success').map((d) => d.key).sort();
    expect(keys).to.deep.equal([
      `uploads/${album}/${album}/2024/b.txt`, `uploads/${album}/${album}/2024/summer/c d.txt`, `uploads/${album}/${album}/a.txt`,
      `uploads/${album}/loose.txt`,
    ].sort());
    expect(details(events, 'oss-upload-success').find((d) => d.key.endsWith('c d.txt'))!.file.relativePath).to.equal(`${album}/2024/summer/c d.txt`);
    const stored = await objects(`uploads/${album}/`);
    expect(stored.map((o) => [o.key, o.size]).sort()).to.deep.equal([
      [`uploads/${album}/${album}/2024/b.txt`, 4], [`uploads/${album}/${album}/2024/summer/c d.txt`, 5], [`uploads/${album}/${album}/a.txt`, 3],
      [`uploads/${album}/loose.txt`, 1],
    ].sort());
  });

  it('{path} is the relative path with each segment cleaned as a name; a loose file\'s is its name', () => {
    expect(renderKeyTemplate('{path}', { name: 'c.txt', webkitRelativePath: 'album/2024/c.txt' })).to.equal('album/2024/c.txt');
    expect(renderKeyTemplate('x/{path}', { name: 'c.txt', webkitRelativePath: '../a\\b/${x}/ e\u0301 /c.txt' })).to.equal('x/_/a_b/$_{x}/é/c.txt');
    expect(renderKeyTemplate('{id}/{path}', { name: 'loose.txt' })).to.match(/^[0-9a-z]{26}\/loose\.txt$/);
    expect(renderKeyTemplate('{path}', { name: 'loose.txt', webkitRelativePath: '' })).to.equal('loose.txt');
  });

  it('folders nested deeper than max-depth are not read: one folder-too-deep rejection each, the rest is listed', async () => {
    const top = uniq();
    const root = await makeTree({
      [`${top}/1.txt`]: '1',
      [`${top}/b/2.txt`]: '2',
      [`${top}/b/c/3.txt`]: '3',
      [`${top}/b/c/d/4.txt`]: '4',
      [`${top}/b/c2/5.txt`]: '5',
    });
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true, 'max-depth': '2' });
    const rejected = next(el, 'oss-upload-reject');
    const selected = next(el, 'oss-upload-select');
    await dropPaths(el, [`${root}/${top}`]);
    expect((await selected).detail.files.map((f) => f.relativePath)).to.deep.equal([`${top}/1.txt`, `${top}/b/2.txt`]);
    expect((await rejected).detail.files.map(({ name, code, limit }) => ({ name, code, limit }))).to.deep.equal([
      { name: `${top}/b/c`, code: 'folder-too-deep', limit: 2 },
      { name: `${top}/b/c2`, code: 'folder-too-deep', limit: 2 },
    ]);
    expect(el.files.map((f) => f.status)).to.deep.equal(['pending', 'pending']);
  });

  it('reading stops at max-files: the files up to it are listed, one too-many-files rejection names where it stopped', async () => {
    const top = uniq();
    const root = await makeTree(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${top}/sub/f${i}.txt`, String(i)])));
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true, 'max-files': '4' });
    await el.addFiles([new File(['x'], 'already.txt')]);
    const events = record(el);
    const rejected = next(el, 'oss-upload-reject');
    await dropPaths(el, [`${root}/${top}`]);
    await rejected;
    expect(details(events, 'oss-upload-select').flatMap((d) => d.files.map((f) => f.relativePath)))
      .to.deep.equal([`${top}/sub/f0.txt`, `${top}/sub/f1.txt`, `${top}/sub/f2.txt`]);
    expect(details(events, 'oss-upload-reject').flatMap((d) => d.files.map(({ name, code, limit }) => ({ name, code, limit }))))
      .to.deep.equal([{ name: `${top}/sub`, code: 'too-many-files', limit: 3 }]);
    expect(el.files.length).to.equal(4);
  });

  it('directory: the picker chooses a folder (webkitdirectory), its files keep their paths and go under {path}', async () => {
    const top = uniq();
    const root = await makeTree({ [`${top}/x.txt`]: 'xx', [`${top}/deeper/y.txt`]: 'yyy', [`${top}/deeper/too/deep/z.txt`]: 'z' });
    const el = await mount({ endpoint: '/sign', directory: true, 'max-depth': '2', 'key-template': `${top}/{path}` });
    const input = el.shadowRoot!.querySelector('input[type=file]')!;
    expect(input.hasAttribute('webkitdirectory')).to.equal(true);
    // The button says what the picker will ask for, in the element's language.
    const button = () => el.shadowRoot!.querySelector('[part~="button"]')!.textContent!.trim();
    expect(button()).to.equal('Choose a folder');
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(button()).to.equal('选择文件夹');
    el.lang = '';
    await el.updateComplete;
    const events = record(el);
    const complete = next(el, 'oss-upload-complete', 30_000);
    await pickPaths(el, [`${root}/${top}`]);
    await complete;
    const selected = details(events, 'oss-upload-select').flatMap((d) => d.files);
    expect(selected.map((f) => f.relativePath).sort()).to.deep.equal([`${top}/deeper/y.txt`, `${top}/x.txt`]);
    expect(details(events, 'oss-upload-reject').flatMap((d) => d.files.map(({ name, code }) => ({ name, code }))))
      .to.deep.equal([{ name: `${top}/deeper/too`, code: 'folder-too-deep' }]);
    expect((await objects(`uploads/${top}/`)).map((o) => [o.key, o.size]).sort())
      .to.deep.equal([[`uploads/${top}/${top}/deeper/y.txt`, 3], [`uploads/${top}/${top}/x.txt`, 2]]);
  });

  it('an empty folder dropped (also one holding only empty folders) is refused with folder-empty, and the note says so', async () => {
    const full = uniq();
    const root = await makeTree({ [`${full}/a.txt`]: 'a', 'loose.txt': 'l' }, [`${full}/nothing`, 'empty', 'hollow/x/y', 'hollow/z']);
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true });
    const events = record(el);
    const rejected = next(el, 'oss-upload-reject');
    await dropPaths(el, [`${root}/empty`, `${root}/${full}`, `${root}/hollow`, `${root}/loose.txt`]);
    await rejected;
    // The files are listed; each dropped folder without a file is one entry (an empty subfolder of a full one is none).
    expect(details(events, 'oss-upload-select').flatMap((d) => d.files.map((f) => f.relativePath ?? f.name))).to.deep.equal(['loose.txt', `${full}/a.txt`]);
    expect(details(events, 'oss-upload-reject').flatMap((d) => d.files)).to.deep.equal([
      { name: 'empty', size: 0, type: '', code: 'folder-empty', message: 'The folder "empty" is empty: there are no files in it.' },
      { name: 'hollow', size: 0, type: '', code: 'folder-empty', message: 'The folder "hollow" is empty: there are no files in it.' },
    ]);
    await until(() => parts(el, 'rejection').length === 2);
    expect(parts(el, 'rejection-text').map((n) => n.textContent)).to.deep.equal([
      'The folder empty is empty: there are no files in it.',
      'The folder hollow is empty: there are no files in it.',
    ]);
    expect(parts(el, 'dismiss-button').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Dismiss the note about empty', 'Dismiss the note about hollow']);
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(parts(el, 'rejection-text').map((n) => n.textContent)).to.deep.equal(['文件夹 empty 是空的：其中没有文件。', '文件夹 hollow 是空的：其中没有文件。']);
  });

  it('a folder whose files were all refused for another reason is not empty: those refusals show', async () => {
    const deep = uniq();
    const typed = uniq();
    const root = await makeTree({ [`${deep}/b/c/far.txt`]: 'f', [`${typed}/a.gif`]: 'g' });
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true, 'max-depth': '2', accept: '.png' });
    const events = record(el);
    const rejected = next(el, 'oss-upload-reject');
    await dropPaths(el, [`${root}/${deep}`, `${root}/${typed}`]);
    await rejected;
    expect(details(events, 'oss-upload-reject').flatMap((d) => d.files.map(({ name, code }) => ({ name, code })))).to.deep.equal([
      { name: `${deep}/b/c`, code: 'folder-too-deep' },
      { name: 'a.gif', code: 'wrong-type' },
    ]);
    expect(el.files).to.deep.equal([]);
  });

  it('directory: an empty folder chosen gives the page no file and no name; the note says the chosen folder is empty', async () => {
    const root = await makeTree({}, ['vacant/inner']);
    const el = await mount({ endpoint: '/sign', directory: true });
    const events = record(el);
    const rejected = next(el, 'oss-upload-reject');
    await pickPaths(el, [`${root}/vacant`]);
    expect((await rejected).detail.files).to.deep.equal([
      { name: '', size: 0, type: '', code: 'folder-empty', message: 'The chosen folder is empty: there are no files in it.' },
    ]);
    await until(() => parts(el, 'rejection').length === 1);
    expect(parts(el, 'rejection-text').map((n) => n.textContent)).to.deep.equal(['The chosen folder is empty: there are no files in it.']);
    // No name to put in the Dismiss button's label: it is the only note, and its word names it.
    const dismiss = part(el, 'dismiss-button')!;
    expect([dismiss.textContent, dismiss.getAttribute('aria-label')]).to.deep.equal(['Dismiss', null]);
    expect(el.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('The chosen folder is empty: there are no files in it.');
    await expect(el).to.be.accessible();
    expect(details(events, 'oss-upload-select')).to.deep.equal([]);
    expect(el.files).to.deep.equal([]);
  });

  it('a dropped tree of 1,000 files is listed without freezing the page (longest task reported)', async () => {
    const top = uniq();
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`${top}/d${Math.floor(i / 100)}/s${Math.floor(i / 10) % 10}/f${i}.txt`] = `file ${i}`;
    const root = await makeTree(files);
    const el = await mount({ endpoint: '/sign', multiple: true, manual: true });
    const tasks: number[] = [];
    const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
    observer.observe({ type: 'longtask' });
    // The rows listed at each frame the page painted: a page frozen while listing shows none between 0 and 1,000.
    const painted: number[] = [];
    let listing = true;
    const frame = () => {
      painted.push(parts(el, 'file').length);
      if (listing) requestAnimationFrame(frame);
    };
    const events = record(el);
    const started = performance.now();
    requestAnimationFrame(frame);
    await dropPaths(el, [`${root}/${top}`]);
    await until(() => parts(el, 'file').length === 1000);
    listing = false;
    const listed = performance.now() - started;
    await new Promise((r) => setTimeout(r, 100)); // the observer hears of the last tasks a little later
    observer.disconnect();
    const longest = Math.max(0, ...tasks);
    const between = new Set(painted.filter((n) => n > 0 && n < 1000));
    console.log(`# 1,000 dropped files listed in ${Math.round(listed)} ms; frames painted with some rows listed: ${[...between].join(', ')}; `
      + `long tasks: ${tasks.length}, longest ${Math.round(longest)} ms`);
    expect(el.files.length).to.equal(1000);
    expect(new Set(el.files.map((f) => f.relativePath)).size).to.equal(1000);
    expect(details(events, 'oss-upload-select').map((d) => d.files.length)).to.deep.equal(Array(10).fill(100));
    // Listed in steps: the page painted between them (the longest task is reported above; on a busy machine it varies too much to bound).
    expect(between.size, 'frames painted while the rows appeared').to.be.at.least(3);
  });
});

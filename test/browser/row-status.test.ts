// A row's status while its file goes up, as the user reads it: "Uploading 42% · 3.2 MB/s · 5 sec
// left" (the speed set apart from the percentage as the speed is from the time left), and, once every
// byte has gone out while OSS has not answered, "Finishing…" — no percentage, speed or time left:
// the browser counts bytes as sent when they are in the connection's buffers, seconds before OSS
// has them on a slow link (the emulator's latency and bandwidth faults make that wait here). The
// batch summary says "Finishing…" then too, once every file has sent all. In a narrow widget the
// status's line breaks only between its pieces (status, speed, time left), never inside one.
import { expect } from '@open-wc/testing';
import { render } from 'lit';
import type { UploadFileInfo } from '../../src/events.js';
import type { OssUploadStrings } from '../../src/locales/index.js';
import { DEFAULT_STRINGS } from '../../src/core.js';
import type { OssUpload } from '../../src/oss-upload.js';
import { listStyles, renderFileList } from '../../src/ui/list.js';
import { formatsFor } from '../../src/ui/format.js';
import { styles } from '../../src/ui/styles.js';
import { renderSummary, summaryStyles } from '../../src/ui/summary.js';
import { cleanup, makeFile, mount, next, part, parts, setFaults } from './support.js';

const MiB = 1024 * 1024;

/** A file name no other test uses (the object key ends with it). */
const unique = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID().slice(0, 8)}${ext}`);

/** One row as the user sees it at a moment, with the file's own numbers then. */
interface RowSeen {
  name: string;
  status: string;
  loaded: number;
  total: number;
  /** The `rate` part is there. */
  rate: boolean;
  bar: number;
}

/** The rows and the summary's text, every 20 ms and at each change, until stopped. */
function watch(el: OssUpload) {
  const rows: RowSeen[] = [];
  const summaries: Array<{ allOut: boolean; text: string; rate: boolean }> = [];
  const look = () => {
    const files = el.files;
    for (const row of parts(el, 'file')) {
      const file = files.find((f) => f.id === row.dataset['key']);
      if (!file || file.status !== 'uploading') continue;
      rows.push({
        name: file.name, status: row.querySelector('[part~="status"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        loaded: file.loaded, total: file.total, rate: !!row.querySelector('[part~="rate"]'),
        bar: row.querySelector<HTMLProgressElement>('[part~="progress"]')!.value,
      });
    }
    const summary = part(el, 'summary');
    if (summary?.getAttribute('part')?.includes('summary-uploading')) {
      const mine = files.filter((f) => f.status === 'uploading' || f.status === 'queued');
      summaries.push({
        allOut: mine.length > 0 && mine.every((f) => f.loaded === f.total),
        text: summary.textContent!.replace(/\s+/g, ' ').trim(),
        rate: !!part(el, 'summary-rate'),
      });
    }
  };
  const observer = new MutationObserver(look);
  observer.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true, attributes: true });
  const timer = setInterval(look, 20);
  return { rows, summaries, stop: () => { observer.disconnect(); clearInterval(timer); } };
}

describe('<oss-upload> row status', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('every byte out, no answer yet (latency): the rows say "Finishing…" with no speed or time left, and so does the summary', async () => {
    // Small files go into the socket buffers at once; OSS answers three seconds later.
    await setFaults({ latencyMs: 3000 });
    const el = await mount({ endpoint: '/sign', multiple: true });
    const w = watch(el);
    const done = next(el, 'oss-upload-complete', 30_000);
    await el.addFiles([makeFile(unique('a.bin'), 256 * 1024).file, makeFile(unique('b.bin'), 256 * 1024).file]);
    await done;
    w.stop();
    expect(el.files.map((f) => f.status)).to.deep.equal(['success', 'success']);
    const out = w.rows.filter((r) => r.loaded === r.total);
    // Both files were seen waiting for OSS with every byte out, and each time the row said so.
    expect(new Set(out.map((r) => r.name)).size, 'rows seen with every byte out').to.equal(2);
    expect([...new Set(out.map((r) => `${r.status} rate:${r.rate} bar:${r.bar}`))]).to.deep.equal(['Finishing… rate:false bar:100']);
    // The summary at that time: the files, the percentage and "Finishing…" in place of speed and time left ("0 sec left").
    const allOut = w.summaries.filter((s) => s.allOut);
    expect(allOut.length, 'summary seen with every byte out').to.be.greaterThan(0);
    for (const s of allOut) expect(`${s.text} rate:${s.rate}`).to.match(/^[01] of 2 files 100% Finishing… rate:true$/);
  });

  it('on a slow link: "Uploading 42% · 3.2 MB/s · 5 sec left" while bytes go, then "Finishing…" while the last ones sit in the buffers', async () => {
    // Loopback's socket buffers take the first 2–6 MiB at once (the kernel grows them): the browser
    // reports them sent while the emulator still reads them at 1 MiB/s. 12 MiB leaves seconds of
    // bytes going with a speed shown after them (with 6 MiB the buffers took all but ~1 s in 2 of 5 runs).
    await setFaults({ bandwidth: 1 * MiB });
    const el = await mount({ endpoint: '/sign' });
    const w = watch(el);
    const done = next(el, 'oss-upload-success', 40_000);
    await el.addFiles([makeFile(unique('slow.bin'), 12 * MiB).file]);
    await done;
    w.stop();
    const going = w.rows.filter((r) => r.loaded < r.total && r.rate);
    expect(going.length, 'rows seen with a speed').to.be.greaterThan(0);
    for (const r of going) expect(r.status).to.match(/^Uploading \d{1,2}% · [\d.,]+ [kM]B\/s · \d+ sec left$/); // 1,023 kB/s: grouped as the locale groups
    const out = w.rows.filter((r) => r.loaded === r.total);
    expect(out.length, 'rows seen with every byte out').to.be.greaterThan(0);
    expect([...new Set(out.map((r) => `${r.status} rate:${r.rate}`))]).to.deep.equal(['Finishing… rate:false']);
  });

  it('the words in every language: the speed set apart as the language sets it apart from the time; "Finishing…"', async () => {
    const tables: Record<string, OssUploadStrings> = {
      en: DEFAULT_STRINGS,
      'zh-CN': (await import('../../src/locales/zh-CN.js')).default,
      'zh-TW': (await import('../../src/locales/zh-TW.js')).default,
      ja: (await import('../../src/locales/ja.js')).default,
    };
    const file = (id: string, loaded: number): UploadFileInfo => ({
      id, name: `${id}.bin`, size: 100 * MiB, type: '', status: 'uploading', loaded, total: 100 * MiB, percent: Math.floor(loaded / MiB), attempt: 1,
    });
    const speed = 3.2 * MiB;
    const words: Record<string, [string, string]> = {};
    for (const [lang, strings] of Object.entries(tables)) {
      const formats = formatsFor(lang);
      const box = document.createElement('div');
      // Every file has a speed to give: a row with every byte out must not show it.
      render(renderFileList([file('going', 42 * MiB), file('out', 100 * MiB)], {
        strings, formats, previews: 'none', rate: () => speed,
        pause() {}, resume() {}, abort() {}, retry() {}, remove() {},
      }), box);
      const [going, out] = [...box.querySelectorAll('[part~="status"]')].map((s) => s.textContent!.replace(/\s+/g, ' ').trim());
      words[lang] = [going!, out!];
      // The numbers as Intl writes them in that language; the words and the separators are the table's.
      const n = { percent: formats.percent(42), speed: formats.speed(speed), time: formats.duration((58 * MiB) / speed) };
      expect(n.time, lang).to.match(/19/);
      const expected = {
        en: [`Uploading ${n.percent} · ${n.speed} · ${n.time} left`, 'Finishing…'],
        'zh-CN': [`上传中 ${n.percent}，${n.speed}，剩余 ${n.time}`, '正在完成…'],
        'zh-TW': [`正在上傳 ${n.percent}，${n.speed}，剩餘 ${n.time}`, '正在完成…'],
        ja: [`アップロード中 ${n.percent}・${n.speed}・残り ${n.time}`, '完了処理中…'],
      }[lang];
      expect(words[lang], lang).to.deep.equal(expected);
      expect(box.querySelectorAll('[part~="rate"]').length, `${lang}: one speed, on the row still sending`).to.equal(1);
    }
    expect(words['en']).to.deep.equal(['Uploading 42% · 3.2 MB/s · 19 sec left', 'Finishing…']);
  });

  it('a narrow widget breaks a status only between its pieces — status, speed, time left — in every language; nothing sticks out', async () => {
    const tables: Record<string, OssUploadStrings> = {
      en: DEFAULT_STRINGS,
      'zh-CN': (await import('../../src/locales/zh-CN.js')).default,
      'zh-TW': (await import('../../src/locales/zh-TW.js')).default,
      ja: (await import('../../src/locales/ja.js')).default,
    };
    // The words around the numbers, as row-status's words test has them.
    const words: Record<string, { status: string; left: string }> = {
      en: { status: 'Uploading {percent}', left: '{time} left' },
      'zh-CN': { status: '上传中 {percent}', left: '剩余 {time}' },
      'zh-TW': { status: '正在上傳 {percent}', left: '剩餘 {time}' },
      ja: { status: 'アップロード中 {percent}', left: '残り {time}' },
    };
    // The element's sheets on a shadow root of our own: the rows and the summary as the widget lays them out.
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styles, listStyles, summaryStyles].map((sheet) => sheet.styleSheet!);
    const list = document.createElement('div');
    const summary = document.createElement('div');
    root.append(summary, list);
    // Files at three speeds and times left: a few seconds, tens of seconds, hours.
    const going = [
      { id: 'a', size: 9 * MiB, percent: 67, rate: 817 * 1024, seconds: 4 },
      { id: 'b', size: 100 * MiB, percent: 42, rate: 3.2 * MiB, seconds: 19 },
      { id: 'c', size: 10 * 1024 * MiB, percent: 5, rate: 289 * 1024, seconds: 3900 },
    ];
    const rates = new Map(going.map((g) => [g.id, g.rate]));
    const files = going.map((g): UploadFileInfo => ({
      id: g.id, name: `${g.id}.bin`, size: g.size, type: '', status: 'uploading', loaded: g.size - g.seconds * g.rate, total: g.size, percent: g.percent, attempt: 1,
    }));
    const problems: string[] = [];
    let checked = 0;
    /** The characters of `el`'s text with where they are drawn (spaces left out: they may hang at a line's end). */
    const drawn = (el: Element) => {
      const out: Array<{ at: number; top: number; left: number; right: number }> = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      let at = 0;
      for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
        for (let i = 0; i < node.length; i++, at++) {
          if (/\s/.test(node.data[i]!)) continue;
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const r = range.getClientRects()[0];
          if (r) out.push({ at, top: r.top, left: r.left, right: r.right });
        }
      }
      return out;
    };
    /** How wide `text` is on one line in `el`'s font. */
    const oneLine = (el: Element, text: string) => {
      const probe = document.createElement('span');
      probe.style.cssText = 'position: absolute; visibility: hidden; white-space: nowrap';
      probe.textContent = text;
      el.append(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return width;
    };
    /** Lines of `el` break only between `pieces` (those that fit on a line), none starts with the mark between them, nothing leaves `box`. */
    const check = (what: string, el: Element, box: Element, line: number, pieces: string[]) => {
      checked++;
      const text = el.textContent!;
      let from = 0;
      const found = pieces.map((piece) => {
        const start = text.indexOf(piece, from);
        if (start < 0) problems.push(`${what}: "${piece}" not in "${text}"`);
        from = start + piece.length;
        return { piece, start, end: start + piece.length };
      });
      // A piece fits on a line with the mark that follows it (" ·", "，"): then no line breaks inside it.
      const spans = found.map((p, i) => {
        const mark = i + 1 < found.length ? text.slice(p.end, found[i + 1]!.start).trimEnd() : '';
        return { ...p, fits: oneLine(el, p.piece + mark) <= line };
      });
      const chars = drawn(el);
      const edge = box.getBoundingClientRect();
      for (const [i, c] of chars.entries()) {
        if (c.right > edge.right + 0.5 || c.left < edge.left - 0.5) problems.push(`${what}: "${text[c.at]}" sticks out`);
        const prev = chars[i - 1];
        if (!prev || c.top <= prev.top + 1) continue;
        // A new line starts at c.
        const inside = spans.find((p) => p.fits && prev.at >= p.start && c.at < p.end);
        if (inside) problems.push(`${what}: "${text.slice(0, c.at).trimEnd()}" / "${text.slice(c.at)}" breaks inside "${inside.piece}"`);
        if (/^[·，・]/.test(text.slice(c.at))) problems.push(`${what}: a line starts with the mark: "${text.slice(c.at)}"`);
      }
    };
    for (const [lang, strings] of Object.entries(tables)) {
      const f = formatsFor(lang);
      host.setAttribute('lang', lang);
      render(renderFileList(files, {
        strings, formats: f, previews: 'icons', rate: (id) => rates.get(id),
        pause() {}, resume() {}, abort() {}, retry() {}, remove() {},
      }), list);
      const total = going.reduce((sum, g) => sum + g.size, 0);
      const estimate = { rate: 2.4 * MiB, seconds: 3900 };
      render(renderSummary({
        state: 'uploading', batch: { loaded: total / 2, total, percent: 50, files: 3, done: 0 }, estimate,
      }, strings, f), summary);
      const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
      for (let width = 150; width <= 600; width += 5) {
        host.style.width = `${width}px`;
        for (const [i, row] of [...root.querySelectorAll('[part~="file"]')].entries()) {
          const g = going[i]!;
          const status = row.querySelector('[part~="status"]')!;
          const line = status.getBoundingClientRect().width;
          check(`${lang} ${width}px row ${g.id}`, status, row, line, [
            fill(words[lang]!.status, { percent: f.percent(g.percent) }), f.speed(g.rate), fill(words[lang]!.left, { time: f.duration(g.seconds) }),
          ]);
        }
        const rate = root.querySelector('[part~="summary-rate"]')!;
        const box = root.querySelector('[part~="summary"]')!;
        const style = getComputedStyle(box);
        const line = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        check(`${lang} ${width}px summary`, rate, box, line, [f.speed(estimate.rate), fill(words[lang]!.left, { time: f.duration(estimate.seconds) })]);
      }
    }
    host.remove();
    expect(checked).to.equal(4 * 91 * 4);
    expect(problems.slice(0, 20), `${problems.length} problems`).to.deep.equal([]);
  });
});

// A row's status while its file goes up, as the user reads it: "Uploading 42% · 3.2 MB/s · 5 sec
// left" (the speed set apart from the percentage as the speed is from the time left), and, once every
// byte has gone out while OSS has not answered, "Finishing…" — no percentage, speed or time left:
// the browser counts bytes as sent when they are in the connection's buffers, seconds before OSS
// has them on a slow link (the emulator's latency and bandwidth faults make that wait here). The
// batch summary says "Finishing…" then too, once every file has sent all.
import { expect } from '@open-wc/testing';
import { render } from 'lit';
import type { UploadFileInfo } from '../../src/events.js';
import type { OssUploadStrings } from '../../src/locales/index.js';
import { DEFAULT_STRINGS } from '../../src/core.js';
import type { OssUpload } from '../../src/oss-upload.js';
import { renderFileList } from '../../src/ui/list.js';
import { formatsFor } from '../../src/ui/format.js';
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
    // Loopback's socket buffers take the first 2–3 MiB at once: the browser reports them sent while
    // the emulator still reads them at 1 MiB/s.
    await setFaults({ bandwidth: 1 * MiB });
    const el = await mount({ endpoint: '/sign' });
    const w = watch(el);
    const done = next(el, 'oss-upload-success', 40_000);
    await el.addFiles([makeFile(unique('slow.bin'), 6 * MiB).file]);
    await done;
    w.stop();
    const going = w.rows.filter((r) => r.loaded < r.total && r.rate);
    expect(going.length, 'rows seen with a speed').to.be.greaterThan(0);
    for (const r of going) expect(r.status).to.match(/^Uploading \d{1,2}% · [\d.]+ [kM]B\/s · \d+ sec left$/);
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
});

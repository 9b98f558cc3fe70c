// The batch summary: the smoothing meter alone (samples in, estimate out), then <oss-upload>'s
// `summary` part against the emulator on a paced link — hidden for one file, "n of m" moving,
// speed and time left only after two seconds of data, a time left that does not count down while
// everything is paused, "Finishing…" once every byte is out (a failed file's unsent bytes left
// out), the outcome after the batch, Chinese words and numbers, axe clean (light,
// dark, forced colours; media switched by theme-servers.mjs's command).
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { OssUpload } from '../../src/oss-upload.js';
import { BatchMeter } from '../../src/ui/rate.js';
import { cleanup, makeFile, mount, next, part, setFaults } from './support.js';

const MiB = 1024 * 1024;
const MB = 1_000_000;

/** A file name no other test uses (the object key ends with it). */
const unique = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID().slice(0, 8)}${ext}`);

describe('BatchMeter', () => {
  /** Feeds `rate` bytes/s from `from` to `to` ms, a sample every `step` ms, and answers the loaded count at the end. */
  function feed(meter: BatchMeter, loaded: number, rate: number, from: number, to: number, step = 100, held = false): number {
    for (let t = from + step; t <= to; t += step) {
      loaded += held ? 0 : (rate * step) / 1000;
      meter.note(loaded, held, t);
    }
    return loaded;
  }

  it('says nothing before two seconds of data, then the rate; the first second (send buffers filling) does not count', () => {
    const meter = new BatchMeter();
    meter.note(0, false, 0);
    meter.note(4 * MB, false, 100); // the first bytes: the clock starts
    meter.note(12 * MB, false, 300); // more buffers filling at memory speed
    let loaded = feed(meter, 12 * MB, MB, 300, 2000);
    expect(meter.estimate(10 * MB, 2000)).to.equal(undefined);
    loaded = feed(meter, loaded, MB, 2000, 2200);
    const e = meter.estimate(10 * MB, 2200)!;
    expect(e.rate).to.be.closeTo(MB, 0.02 * MB);
    expect(e.seconds).to.be.closeTo(10, 0.3);
    expect(loaded).to.be.greaterThan(0);
  });

  it('smooths bursts: parts that land every half second give a steady estimate, not a saw', () => {
    const meter = new BatchMeter();
    let loaded = 0;
    meter.note(0, false, 0);
    meter.note(1, false, 10);
    const rates: number[] = [];
    for (let t = 10; t <= 20_000; t += 100) {
      if (t % 500 === 10) loaded += MB / 2; // 1 MB/s on average, half a megabyte at a time
      meter.note(loaded, false, t);
      if (t > 10_000) rates.push(meter.estimate(0, t)!.rate);
    }
    // The sum of the instantaneous rates would go from 0 to 5 MB/s and back; this stays near 1 MB/s.
    expect(Math.min(...rates)).to.be.greaterThan(0.85 * MB);
    expect(Math.max(...rates)).to.be.lessThan(1.15 * MB);
  });

  it('follows a slower link within a few half-lives', () => {
    const meter = new BatchMeter();
    meter.note(0, false, 0);
    meter.note(1, false, 10);
    let loaded = feed(meter, 1, 2 * MB, 10, 10_010);
    expect(meter.estimate(0, 10_010)!.rate).to.be.closeTo(2 * MB, 0.05 * MB);
    loaded = feed(meter, loaded, MB / 2, 10_010, 22_010);
    expect(meter.estimate(0, 22_010)!.rate).to.be.closeTo(MB / 2, 0.1 * MB);
  });

  it('hides while stalled: no bytes for three seconds, also when no sample comes at all', () => {
    const meter = new BatchMeter();
    meter.note(0, false, 0);
    meter.note(1, false, 10);
    const loaded = feed(meter, 1, MB, 10, 5010);
    expect(meter.estimate(MB, 5010)).to.not.equal(undefined);
    expect(meter.staleIn(5010)).to.be.closeTo(3000, 1);
    // Samples without bytes: the estimate falls, then goes.
    feed(meter, loaded, 0, 5010, 7010);
    const falling = meter.estimate(MB, 7010)!;
    expect(falling.rate).to.be.lessThan(0.7 * MB);
    expect(meter.estimate(MB, 8100)).to.equal(undefined); // no sample since 7010: up to now
    meter.note(loaded, false, 8100);
    expect(meter.estimate(MB, 8100)).to.equal(undefined);
    expect(meter.staleIn(8100)).to.equal(undefined);
    // Bytes again: shown at once (two seconds of data were had), from the estimate as it fell.
    meter.note(loaded + MB / 10, false, 8200);
    expect(meter.estimate(MB, 8200)).to.not.equal(undefined);
  });

  it('stops the clock while everything is paused: the estimate is hidden, then comes back as it was', () => {
    const meter = new BatchMeter();
    meter.note(0, false, 0);
    meter.note(1, false, 10);
    let loaded = feed(meter, 1, MB, 10, 4010);
    const before = meter.estimate(6 * MB, 4010)!;
    meter.note(loaded, true, 4020); // paused
    expect(meter.estimate(6 * MB, 4020)).to.equal(undefined);
    feed(meter, loaded, 0, 4020, 60_020, 1000, true); // a minute paused, a render now and then
    expect(meter.estimate(6 * MB, 60_020)).to.equal(undefined);
    meter.note(loaded, false, 60_030); // resumed: the minute is not upload time
    loaded += MB / 10;
    meter.note(loaded, false, 60_130);
    const after = meter.estimate(6 * MB - MB / 10, 60_130)!;
    expect(after.rate).to.be.closeTo(before.rate, 0.05 * MB);
    expect(after.seconds).to.be.closeTo(before.seconds - 0.1, 0.4);
  });

  it('takes a count that goes down (a retried or removed file) as the new base, never a negative speed', () => {
    const meter = new BatchMeter();
    meter.note(0, false, 0);
    meter.note(1, false, 10);
    let loaded = feed(meter, 1, MB, 10, 3010);
    loaded -= 2 * MB;
    meter.note(loaded, false, 3110);
    loaded = feed(meter, loaded, MB, 3110, 4110);
    const e = meter.estimate(MB, 4110)!;
    expect(e.rate).to.be.greaterThan(0.8 * MB);
    expect(e.rate).to.be.lessThan(1.05 * MB);
    meter.reset();
    expect(meter.estimate(MB, 4110)).to.equal(undefined);
  });
});

/** What the summary shows at a moment. */
interface Seen {
  time: number;
  shown: boolean;
  text?: string;
  percent?: string;
  rate?: string;
  /** Seconds left in the `<time datetime="PT…S">`. */
  seconds?: number;
  value?: number;
  label?: string | null;
  parts?: string | null;
}

function look(el: OssUpload): Seen {
  const summary = part(el, 'summary');
  if (!summary) return { time: performance.now(), shown: false };
  const time = part(el, 'summary-rate')?.querySelector('time');
  const bar = part(el, 'summary-progress') as HTMLProgressElement | null;
  const seen: Seen = {
    time: performance.now(),
    shown: true,
    text: part(el, 'summary-text')?.textContent?.trim() ?? '',
    parts: summary.getAttribute('part'),
  };
  const percent = part(el, 'summary-percent')?.textContent?.trim();
  if (percent) seen.percent = percent;
  const rate = part(el, 'summary-rate')?.textContent?.replace(/\s+/g, ' ').trim();
  if (rate) seen.rate = rate;
  const datetime = time?.getAttribute('datetime');
  if (datetime) seen.seconds = Number(/^PT(\d+)S$/.exec(datetime)?.[1]);
  if (bar) {
    seen.value = bar.value;
    seen.label = bar.getAttribute('aria-label');
  }
  return seen;
}

/** Records what the summary shows every 50 ms (and at each render) until stopped. */
function watch(el: OssUpload): { seen: Seen[]; stop(): void } {
  const seen: Seen[] = [];
  const observer = new MutationObserver(() => seen.push(look(el)));
  observer.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true, attributes: true });
  const timer = setInterval(() => seen.push(look(el)), 50);
  return { seen, stop: () => { observer.disconnect(); clearInterval(timer); } };
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('<oss-upload> batch summary', function () {
  this.timeout(90_000);
  afterEach(async () => {
    await cleanup();
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  it('is not shown for one small file', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true });
    const w = watch(el);
    const done = next(el, 'oss-upload-complete');
    await el.addFiles([makeFile(unique('one.bin'), 100 * 1024).file]);
    await done;
    await el.updateComplete;
    w.stop();
    expect(el.files.map((f) => f.status)).to.deep.equal(['success']);
    expect(w.seen.filter((s) => s.shown)).to.deep.equal([]);
    expect(part(el, 'summary')).to.equal(null);
  });

  it('a batch on a slow link: "n of m files" moves, speed and time left come after two seconds of data, then the outcome', async () => {
    // sts parts of 1 MB on a link of 1 MiB/s a connection: what the browser reports sent stays within
    // a part of what arrived (a single request's progress runs megabytes ahead, into the send buffers).
    await setFaults({ bandwidth: 1 * MiB });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true, 'part-size': '1MB' });
    const w = watch(el);
    let firstBytes = 0;
    el.addEventListener('oss-upload-progress', () => (firstBytes ||= performance.now()));
    const done = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([9, 12, 15].map((mib, i) => makeFile(unique(`part${i}.bin`), mib * MiB).file));
    await done;
    await el.updateComplete;
    w.stop();
    const shown = w.seen.filter((s) => s.shown && s.parts?.includes('summary-uploading'));
    // "0 of 3 files", then more finished, never fewer ("3 of 3" for the moment before the batch ends).
    const texts = [...new Set(shown.map((s) => s.text))];
    expect(texts[0]).to.equal('0 of 3 files');
    expect(texts.length, JSON.stringify(texts)).to.be.at.least(2);
    const order = texts.map((t) => ['0 of 3 files', '1 of 3 files', '2 of 3 files', '3 of 3 files'].indexOf(t ?? ''));
    expect(order.every((n, i) => n >= 0 && (i === 0 || n > order[i - 1]!)), JSON.stringify(texts)).to.equal(true);
    expect(shown[0]!.label).to.equal('Upload progress of all files');
    const values = shown.map((s) => s.value!);
    expect(values.every((v, i) => i === 0 || v >= values[i - 1]!), `bar went back: ${values}`).to.equal(true);
    expect(values[values.length - 1]).to.be.greaterThan(80);
    // Speed and time left: not before two seconds of data, then there. The summary's other words
    // while bytes are counted: "Finishing…", once every byte is out (OSS's answers are left).
    const rated = shown.filter((s) => s.seconds !== undefined);
    expect(shown.filter((s) => s.rate && s.seconds === undefined).map((s) => s.rate).filter((r) => r !== 'Finishing…')).to.deep.equal([]);
    expect(rated.length).to.be.greaterThan(0);
    expect(rated[0]!.time - firstBytes).to.be.greaterThan(1900);
    expect(rated[0]!.rate).to.match(/^[\d.]+ MB\/s · \d+ sec left$/);
    // 36 MiB on six connections of 1 MiB/s: about six seconds in all, so never a minute left.
    expect(rated.map((s) => s.seconds!).every((n) => n >= 1 && n < 60), JSON.stringify(rated.map((s) => s.seconds))).to.equal(true);
    // The outcome stays after the batch, without the bar, until its files leave the list.
    const after = look(el);
    expect(after).to.include({ shown: true, text: '3 files uploaded', parts: 'summary summary-done' });
    expect(part(el, 'summary-progress')).to.equal(null);
    for (const f of el.files.slice(1)) el.remove(f.id);
    await el.updateComplete;
    expect(look(el).text).to.equal('1 file uploaded');
    el.remove(el.files[0]!.id);
    await el.updateComplete;
    expect(part(el, 'summary')).to.equal(null);
  });

  it('time left does not count down while every file is paused (sts): the summary holds still, and comes back where it was', async () => {
    await setFaults({ bandwidth: 512 * 1024 });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true, 'part-size': '1MB', parallel: '2' });
    await el.addFiles([makeFile(unique('a.bin'), 10 * MiB).file, makeFile(unique('b.bin'), 10 * MiB).file]);
    await until(() => el.files.every((f) => f.pausable === true), 'two pausable uploads');
    await until(() => look(el).seconds !== undefined, 'a time left', 15_000);
    // Paused just after a render, so that what it shows is the estimate at the pause itself. Compared
    // with that, not with the first estimate: a slow start on a loaded machine makes that one far off.
    let before: Seen;
    do {
      await next(el, 'oss-upload-progress');
      await el.updateComplete;
      before = look(el);
    } while (before.seconds === undefined);
    expect(el.pause()).to.equal(true);
    await el.updateComplete;
    expect(el.files.map((f) => f.status)).to.deep.equal(['paused', 'paused']);
    // Longer than the meter's stall limit (3 s): a clock running through the pause would have
    // hidden the time left or counted it down by now. Seen at every render and every 50 ms.
    const w = watch(el);
    const paused = look(el);
    await sleep(3500);
    await el.updateComplete;
    w.stop();
    const seen = [paused, ...w.seen, look(el)];
    expect(seen[seen.length - 1]!.time - paused.time).to.be.at.least(3400);
    expect(seen.length).to.be.at.least(10);
    expect(paused).to.include({ parts: 'summary summary-paused', text: before.text, percent: before.percent, value: before.value });
    expect(paused.rate).to.equal(`Paused at ${before.percent}`);
    expect(paused.seconds).to.equal(undefined);
    const shown = (s: Seen) => JSON.stringify([s.parts, s.text, s.percent, s.rate, s.seconds, s.value, s.label]);
    expect(seen.map(shown).filter((v) => v !== shown(paused)), 'what the summary showed while paused').to.deep.equal([]);
    // Resumed: the time left is back at once (at the resume's render, before any byte moves) with
    // the speed and time left it had at the pause. A clock that ran on would show nothing now (no
    // byte for 3.5 s reads as a stall) and then a speed dragged down by the pause.
    expect(el.resume()).to.equal(true);
    await el.updateComplete;
    const after = look(el);
    /** The speed shown, in bytes/s (binary kB and MB, as the element writes them). */
    const speed = (s: Seen) => {
      const [, value, unit] = /^([\d.,]+) (kB|MB)\/s/.exec(s.rate ?? '') ?? [];
      return Number(value?.replace(/,/g, '')) * (unit === 'MB' ? MiB : 1024); // "1,023 kB/s": grouped as the locale groups
    };
    expect(after.parts).to.equal('summary summary-uploading');
    expect(after.seconds, `${before.rate} before the pause, ${after.rate} after it`).to.be.within(before.seconds! - 1, before.seconds! + 1);
    expect(speed(after), `${before.rate} before the pause, ${after.rate} after it`).to.be.closeTo(speed(before), 0.1 * speed(before)); // a step of the shown figure at most
  });

  it('says "Finishing…" in place of speed and time left once every unfinished file has sent every byte, and goes back to them when bytes go again (a retry); a failed file\'s unsent bytes count in neither', async () => {
    // Each request waits 3 s before OSS reads it, at 2 MiB/s. Loopback's buffers take about 6 MiB
    // of a request at once: 16 MiB files leave seconds of bytes going after the wait, and then their
    // last bytes waiting in the buffers.
    await setFaults({ latencyMs: 3000, bandwidth: 2 * MiB });
    // The first file gives up after 1.5 s without progress (a stall: it fails with most of its bytes unsent).
    const el = await mount({ endpoint: '/sign', multiple: true, retries: '0', 'stall-timeout': '1500' });
    const seen: Array<{ allOut: boolean; retried: boolean; failed: boolean; left: number; rate?: string; seconds?: number }> = [];
    let retried = false;
    const record = () => {
      const s = look(el);
      if (!s.parts?.includes('summary-uploading')) return;
      // As the user can tell from the rows: no file waits, is paused or will send again, and each uploading one has sent all.
      const unfinished = el.files.filter((f) => ['queued', 'uploading', 'retrying', 'paused'].includes(f.status));
      const allOut = unfinished.length > 0 && unfinished.every((f) => f.status === 'uploading' && f.loaded === f.total);
      const left = unfinished.reduce((sum, f) => sum + f.total - f.loaded, 0);
      seen.push({ allOut, retried, failed: el.files.some((f) => f.status === 'error'), left, ...(s.rate ? { rate: s.rate } : {}), ...(s.seconds !== undefined ? { seconds: s.seconds } : {}) });
    };
    const observer = new MutationObserver(record);
    observer.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true, attributes: true });
    const timer = setInterval(record, 20);
    try {
      const [first] = await el.addFiles([makeFile(unique('first.bin'), 16 * MiB).file]);
      await until(() => (el.files[0]?.loaded ?? 0) > 0, 'bytes of the first file');
      const failed = next(el, 'oss-upload-error', 20_000);
      el.stallTimeout = 60_000; // for the files that start from now on
      await el.updateComplete;
      await el.addFiles([makeFile(unique('second.bin'), 16 * MiB).file]);
      expect((await failed).detail.code).to.equal('network');
      // The second file's last bytes wait in the buffers while OSS reads them: it is finishing, the failed one sends nothing.
      await until(() => seen.some((s) => s.allOut), 'every byte of the second file out', 30_000);
      await sleep(600);
      expect(el.files.map((f) => f.status)).to.deep.equal(['error', 'uploading']);
      const done = next(el, 'oss-upload-complete', 40_000);
      retried = true;
      el.retry(first);
      await done;
    } finally {
      observer.disconnect();
      clearInterval(timer);
    }
    expect(el.files.map((f) => f.status)).to.deep.equal(['success', 'success']);
    const finishing = seen.filter((s) => s.allOut);
    expect(finishing.length, 'summary seen with every byte out').to.be.greaterThan(0);
    // Every byte out: "Finishing…", no speed and no time left.
    expect([...new Set(finishing.map((s) => `${s.rate} ${s.seconds}`))]).to.deep.equal(['Finishing… undefined']);
    // Bytes to send: never "Finishing…"; the speed and time left when there is one.
    const going = seen.filter((s) => !s.allOut && s.rate);
    expect(going.filter((s) => !/^[\d.,]+ [kM]B\/s · \d+ sec left$/.test(s.rate!)).map((s) => s.rate)).to.deep.equal([]);
    // With the first file failed, the time left is the second one's bytes at that speed: not also the failed file's unsent ones.
    const speed = (rate: string) => {
      const [, value, unit] = /^([\d.,]+) (kB|MB)\/s/.exec(rate) ?? [];
      return Number(value?.replace(/,/g, '')) * (unit === 'MB' ? MiB : 1024); // "1,023 kB/s": grouped as the locale groups
    };
    const beside = seen.filter((s) => s.failed && !s.retried && s.seconds !== undefined);
    expect(beside.length, 'time left seen beside the failed file').to.be.greaterThan(0);
    // The shown speed is rounded to two figures (±5 %), the seconds up.
    expect(beside.filter((s) => s.seconds! > Math.ceil(s.left / (0.9 * speed(s.rate!))) + 1).map((s) => `${s.rate} for ${s.left} B`)).to.deep.equal([]);
    // The retry sends the first file again: the speed and time left come back after "Finishing…" was shown.
    const back = seen.findIndex((s, i) => i > seen.indexOf(finishing[0]!) && s.seconds !== undefined && s.retried);
    expect(back, 'speed and time left after the retry').to.be.greaterThan(-1);
  });

  it('speaks the element\'s language: lang="zh-CN" words and numbers', async () => {
    await setFaults({ bandwidth: 1 * MiB });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true, 'part-size': '1MB', lang: 'zh-CN' });
    const done = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([9, 10, 11].map((mib, i) => makeFile(unique(`文件${i}.bin`), mib * MiB).file));
    await until(() => look(el).seconds !== undefined, 'a time left', 15_000);
    const seen = look(el);
    expect(seen.text).to.match(/^已完成 [0-2]\/3 个文件$/);
    expect(seen.label).to.equal('全部文件的上传进度');
    const percent = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 0 }).format(seen.value! / 100);
    expect(seen.percent).to.equal(percent);
    expect(seen.rate).to.match(/^[\d.]+ MB\/秒，剩余 \d+秒$/);
    await done;
    await el.updateComplete;
    expect(look(el).text).to.equal('已上传 3 个文件');
  });

  it('is axe clean uploading, paused and after a batch with a failure; says what failed', async () => {
    await setFaults({ bandwidth: 512 * 1024 });
    const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true, 'part-size': '1MB', parallel: '2', retries: '0' });
    await el.addFiles([makeFile(unique('x.bin'), 10 * MiB).file, makeFile(unique('y.bin'), 10 * MiB).file]);
    await until(() => look(el).seconds !== undefined, 'a time left', 15_000);
    await expect(el).to.be.accessible();
    // Dark on a light page (the summary has a background of its own), then forced colours.
    el.setAttribute('theme', 'dark');
    await el.updateComplete;
    await sleep(400); // the drop zone's background transition ends
    await expect(el).to.be.accessible();
    el.removeAttribute('theme');
    await executeServerCommand('oss-media:emulate', { features: [{ name: 'forced-colors', value: 'active' }] });
    await sleep(400);
    try {
      await expect(el).to.be.accessible();
    } finally {
      await executeServerCommand('oss-media:emulate', { features: [] });
    }
    await until(() => el.files.every((f) => f.pausable === true), 'two pausable uploads');
    el.pause();
    await el.updateComplete;
    expect(look(el).parts).to.equal('summary summary-paused');
    await expect(el).to.be.accessible();
    el.abort();
    await el.updateComplete;

    await setFaults({ failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
    el.strategy = 'signed-policy';
    el.endpoint = '/sign';
    el.clear();
    const done = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles(['p.bin', 'q.bin', 'r.bin'].map((name) => makeFile(unique(name), 64 * 1024).file));
    await done;
    await el.updateComplete;
    expect(look(el)).to.include({ text: '2 files uploaded', parts: 'summary summary-done' });
    expect(part(el, 'summary-failed')?.textContent?.trim()).to.equal('1 failed');
    await expect(el).to.be.accessible();
    // A new batch: the outcome of the last one goes.
    const again = next(el, 'oss-upload-complete', 60_000);
    await el.addFiles([makeFile(unique('s.bin'), 64 * 1024).file]);
    await el.updateComplete;
    expect(part(el, 'summary')).to.equal(null);
    await again;
  });
});

// <oss-upload> themes (issue #10, items 6 and 10): light and dark by the system's scheme or the
// `theme` attribute, contrast measured from the computed colours (text 4.5:1, borders, bars and
// focus rings 3:1), forced colours with the bars still painted (read back from a screenshot),
// reduced motion, target sizes (24 px, 44 px on a coarse pointer), the row at 320 px and at 200 %
// zoom, and axe in every state in light, dark and forced colours. Media features are switched by
// Chromium itself (test/browser/theme-servers.mjs), the uploads are real, against the emulator.
import { expect } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, makeFile, mount, next, part, parts, setFaults } from './support.js';

const MiB = 1024 * 1024;

type Scheme = 'light' | 'dark';
interface Media {
  scheme?: Scheme;
  forced?: boolean;
  /** Default true: colours then change at once, instead of through a 0.15 s transition read halfway on a busy machine. */
  reducedMotion?: boolean;
  /** A touch screen: `(pointer: coarse)` matches. */
  touch?: boolean;
}

/** What the page sees from now on; the page's own colours follow the scheme, as a dark site's would. */
async function emulate(media: Media = {}): Promise<void> {
  const features = [
    { name: 'prefers-color-scheme', value: media.scheme ?? 'light' },
    { name: 'forced-colors', value: media.forced ? 'active' : 'none' },
    { name: 'prefers-reduced-motion', value: media.reducedMotion ?? true ? 'reduce' : 'no-preference' },
  ];
  await executeServerCommand('oss-media:emulate', { features, touch: media.touch ?? false });
  document.body.style.background = media.scheme === 'dark' ? '#121212' : '#fff';
  document.body.style.color = media.scheme === 'dark' ? '#e8eaed' : '#1f1f1f';
  await settle();
}

/** A moment for the page to restyle. */
const settle = () => new Promise((r) => setTimeout(r, 100));

type RGBA = [number, number, number, number];

function rgba(value: string): RGBA {
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(value);
  if (!m) throw new Error(`not an rgb() colour: ${value}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
}

const over = (top: RGBA, below: RGBA): RGBA => {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i]! * a + below[i]! * (1 - a)).concat(1) as RGBA;
};

function luminance([r, g, b]: RGBA): number {
  const lin = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG's contrast ratio, to two decimals. */
function contrast(a: RGBA, b: RGBA): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return Math.round(((x! + 0.05) / (y! + 0.05)) * 100) / 100;
}

/** The element's parent, through shadow roots. */
const up = (node: Element): Element | null => node.parentElement ?? ((node.getRootNode() as ShadowRoot).host ?? null);

/** The colour painted behind `node`: its own background or the nearest ancestor's, over the page's. */
function backdrop(node: Element | null): RGBA {
  const layers: RGBA[] = [];
  for (let n = node; n; n = up(n)) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] === 1) break;
  }
  return layers.reduceRight<RGBA>((below, top) => over(top, below), [255, 255, 255, 1]);
}

/** A colour of `node` over what is behind it; text is painted (and axe reads it) in -webkit-text-fill-color. */
function colorOf(node: Element, property: 'color' | 'borderTopColor' = 'color'): RGBA {
  const style = getComputedStyle(node);
  return over(rgba(property === 'color' ? style.webkitTextFillColor || style.color : style[property]), backdrop(node));
}

interface Measured { what: string; ratio: number; least: number }

/** Every pair that must be told apart, with its ratio and the least it may be. */
function measure(el: OssUpload): Measured[] {
  const out: Measured[] = [];
  const text = (what: string, node: Element | null) => {
    if (!node) throw new Error(`no ${what}`);
    out.push({ what, ratio: contrast(colorOf(node), backdrop(node)), least: 4.5 });
  };
  const edge = (what: string, node: Element | null, beside: RGBA[]) => {
    if (!node) throw new Error(`no ${what}`);
    const border = colorOf(node, 'borderTopColor');
    const none = parseFloat(getComputedStyle(node).borderTopWidth) === 0;
    for (const b of beside) out.push({ what: none ? `${what} (none)` : what, ratio: none ? 0 : contrast(border, b), least: 3 });
  };
  const zone = part(el, 'dropzone')!;
  text('hint', part(el, 'hint'));
  text('choose button', part(el, 'button'));
  for (const row of parts(el, 'file')) {
    const status = row.dataset['status'];
    text(`${status} file-name`, row.querySelector('[part~="file-name"]'));
    text(`${status} file-size`, row.querySelector('[part~="file-size"]'));
    text(`${status} status`, row.querySelector('[part~="status"], [part~="error"]'));
    for (const button of row.querySelectorAll('button')) {
      text(`${status} ${button.getAttribute('part')} label`, button);
      edge(`${status} ${button.getAttribute('part')} border`, button, [backdrop(row)]);
    }
    const bar = row.querySelector('progress')!;
    edge(`${status} progress outline`, bar, [backdrop(row)]);
    // The value is painted in the bar's `color`; its track is the bar's background.
    out.push({ what: `${status} progress value on its track`, ratio: contrast(colorOf(bar), backdrop(bar)), least: 3 });
  }
  for (const summary of parts(el, 'summary')) {
    for (const piece of summary.querySelectorAll('[part~="summary-text"], [part~="summary-percent"], [part~="summary-rate"]')) {
      text(piece.getAttribute('part')!, piece);
    }
    const bar = summary.querySelector('progress');
    if (bar) {
      edge('summary-progress outline', bar, [backdrop(summary)]);
      out.push({ what: 'summary-progress value on its track', ratio: contrast(colorOf(bar), backdrop(bar)), least: 3 });
    }
  }
  for (const note of parts(el, 'rejection')) {
    text('rejection-text', note.querySelector('[part~="rejection-text"]'));
    const dismiss = note.querySelector('button')!;
    text('dismiss-button label', dismiss);
    edge('dismiss-button border', dismiss, [backdrop(note)]);
  }
  // The dashed border lies between the zone and the page.
  edge('dropzone border', zone, [backdrop(zone), backdrop(el.parentElement)]);
  for (const button of el.shadowRoot!.querySelectorAll('button')) {
    button.focus();
    const style = getComputedStyle(button);
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) {
      out.push({ what: `${button.getAttribute('part')} focus ring missing`, ratio: 0, least: 3 });
      continue;
    }
    // The ring stands 2 px off the button, on what is behind the button.
    out.push({ what: `${button.getAttribute('part')} focus ring`, ratio: contrast(over(rgba(style.outlineColor), backdrop(up(button))), backdrop(up(button))), least: 3 });
  }
  (el.shadowRoot!.activeElement as HTMLElement | null)?.blur();
  return out;
}

const failing = (all: Measured[]) => all.filter((m) => m.ratio < m.least).map((m) => `${m.what}: ${m.ratio}:1 (at least ${m.least}:1)`);

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A file name no other test uses (the object key ends with it). */
const unique = (name: string) => name.replace(/(\.[^.]*)?$/, (ext) => `-${crypto.randomUUID().slice(0, 8)}${ext}`);

/**
 * An sts element holding a file in every state: stored, failed (a key with no name), two still uploading (on a
 * slowed link, the batch summary showing their speed), paused (multipart, paused by its button) and a refused one
 * (over max-size).
 */
async function everyState(): Promise<OssUpload> {
  const el = await mount({ strategy: 'sts', endpoint: '/sts', multiple: true, retries: '0', 'part-size': '1MB', parallel: '2', 'max-size': '20MB' });
  await el.addFiles([makeFile(unique('stored.txt'), 2000, 'text/plain').file]);
  await next(el, 'oss-upload-success');
  // A key with no file name: the upload fails at once (invalid-key), with no retry.
  el.addEventListener('oss-upload-before', (e) => { if (e.detail.file.name.startsWith('failed')) e.detail.key = 'no-name/'; });
  await el.addFiles([makeFile(unique('failed.txt'), 2000, 'text/plain').file]);
  await next(el, 'oss-upload-error');
  // The slow one first, under way with its speed shown; then one paused as soon as it can pause.
  await setFaults({ bandwidth: 256 * 1024 });
  const [going] = await el.addFiles([makeFile(unique('uploading.bin'), 16 * MiB).file, makeFile(unique('uploading-too.bin'), 16 * MiB).file]);
  await until(() => (el.files.find((f) => f.id === going)?.percent ?? 0) > 0 && !!el.shadowRoot!.querySelector('[part~="rate"]')
    && !!el.shadowRoot!.querySelector('[part~="summary-rate"]'), 'progress and speed', 60_000);
  // Its next parts crawl: it is still under way when the last test runs.
  await setFaults({ bandwidth: 16 * 1024 });
  const [paused] = await el.addFiles([makeFile(unique('paused.bin'), 16 * MiB).file]);
  await until(() => el.files.find((f) => f.id === paused)?.pausable === true, 'pausable upload');
  el.pause(paused!);
  await until(() => el.files.find((f) => f.id === paused)?.status === 'paused', 'pause');
  await el.addFiles([new File([new Uint8Array(21 * MiB)], 'too-big.bin')]);
  await el.updateComplete;
  const states = el.files.map((f) => f.status).sort();
  expect(states).to.deep.equal(['error', 'paused', 'success', 'uploading', 'uploading']);
  expect(part(el, 'summary'), 'the batch summary').to.not.equal(null);
  expect(parts(el, 'rejection')).to.have.length(1);
  return el;
}

/** The rectangle of `node` overlaps that of `other`. */
function overlaps(a: DOMRect, b: DOMRect): boolean {
  return a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
}

/** Pixels of that rectangle of the page as Chromium painted them. */
async function pixels(box: DOMRect): Promise<{ at(x: number, y: number): RGBA; width: number; height: number }> {
  // The clip is in the document's coordinates, the box in the viewport's.
  const clip = { x: Math.round(box.x + scrollX), y: Math.round(box.y + scrollY), width: Math.round(box.width), height: Math.round(box.height) };
  const { png } = await executeServerCommand<{ png: string }, object>('oss-media:shot', clip);
  const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const scale = bitmap.width / clip.width;
  return {
    width: clip.width,
    height: clip.height,
    at(x, y) {
      const i = (Math.round(y * scale) * bitmap.width + Math.round(x * scale)) * 4;
      return [data[i]!, data[i + 1]!, data[i + 2]!, 1];
    },
  };
}

/** Back to a light page, a fine pointer and an 800 × 600 window. */
async function reset(): Promise<void> {
  await emulate();
  await setViewport({ width: 800, height: 600, deviceScaleFactor: 1 });
}

describe('<oss-upload> themes', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup();
    await reset();
  });

  it('follows the system\'s colour scheme; theme="light" and theme="dark" force either; a page\'s custom property still wins', async () => {
    const el = await mount({ endpoint: '/sign' });
    const zone = () => getComputedStyle(part(el, 'dropzone')!).backgroundColor;
    expect(getComputedStyle(el).colorScheme).to.equal('light dark');
    await emulate({ scheme: 'light' });
    expect(zone()).to.equal('rgb(248, 249, 250)');
    await emulate({ scheme: 'dark' });
    expect(zone()).to.equal('rgb(41, 42, 45)');
    expect(getComputedStyle(el).color).to.equal('rgb(232, 234, 237)');
    el.setAttribute('theme', 'light');
    await settle();
    expect(zone()).to.equal('rgb(248, 249, 250)');
    expect(getComputedStyle(el).colorScheme).to.equal('light');
    await emulate({ scheme: 'light' });
    el.setAttribute('theme', 'dark');
    await settle();
    expect(zone()).to.equal('rgb(41, 42, 45)');
    el.style.setProperty('--oss-upload-dropzone-background', 'rgb(1, 2, 3)');
    el.style.setProperty('--oss-upload-accent-color', 'rebeccapurple');
    await settle();
    expect(zone()).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(part(el, 'button')!).backgroundColor).to.equal('rgb(102, 51, 153)');
  });

  it('files dragged over the drop zone: its border turns solid (a cue that is not a colour), with contrast in light, dark and forced colours', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true });
    const zone = part(el, 'dropzone')!;
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(makeFile('dragged.txt', 5, 'text/plain').file);
    for (const type of ['dragenter', 'dragover']) zone.dispatchEvent(new DragEvent(type, { bubbles: true, composed: true, cancelable: true, dataTransfer }));
    await el.updateComplete;
    expect(zone.hasAttribute('data-dragover')).to.equal(true);
    for (const media of [{ scheme: 'light' }, { scheme: 'dark' }, { scheme: 'light', forced: true }, { scheme: 'dark', forced: true }] as Media[]) {
      await emulate(media);
      const what = `${media.scheme}${media.forced ? ' forced' : ''}`;
      expect(getComputedStyle(zone).borderTopStyle, what).to.equal('solid');
      expect(contrast(colorOf(part(el, 'hint')!), backdrop(zone)), `${what} hint`).to.be.at.least(4.5);
      expect(contrast(colorOf(zone, 'borderTopColor'), backdrop(zone)), `${what} border`).to.be.at.least(3);
    }
  });

  it('reduced motion: no transition or animation anywhere in the widget', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true });
    await el.addFiles([makeFile(unique('moving.txt'), 2000, 'text/plain').file]);
    await next(el, 'oss-upload-success');
    const moving = () => [...el.shadowRoot!.querySelectorAll('*')].filter((n) => {
      const s = getComputedStyle(n);
      return s.transitionDuration.split(',').some((d) => parseFloat(d) > 0) || s.animationName !== 'none';
    }).map((n) => n.getAttribute('part') ?? n.localName);
    await emulate({ reducedMotion: false });
    expect(moving()).to.include('dropzone'); // the test can see a transition
    await emulate({ reducedMotion: true });
    expect(moving()).to.deep.equal([]);
  });
});

// One element in every state for the rest (building it takes a while): each test checks first
// that the states still hold.
describe('<oss-upload> themes, in every state', function () {
  this.timeout(120_000);
  let el: OssUpload;
  let empty: OssUpload;
  before(async () => {
    await reset();
    empty = await mount({ endpoint: '/sign' });
    el = await everyState();
  });
  beforeEach(async () => {
    expect(el.files.map((f) => f.status).sort()).to.deep.equal(['error', 'paused', 'success', 'uploading', 'uploading']);
    expect(parts(el, 'rejection')).to.have.length(1);
  });
  afterEach(reset);
  after(async () => {
    await executeServerCommand('oss-media:emulate', { features: [] }); // the page as it was, for whatever runs next
    await cleanup();
    for (const k of Object.keys(localStorage)) if (k.startsWith('oss-upload:')) localStorage.removeItem(k);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`contrast in ${scheme} on a ${scheme} page: text 4.5:1, borders, bars and focus rings 3:1`, async () => {
      await emulate({ scheme });
      const all = measure(el);
      expect(all.length).to.be.greaterThan(30);
      expect(failing(all), JSON.stringify(all)).to.deep.equal([]);
    });
  }

  it('forced colours: the bars stay painted, text, borders and focus rings in system colours', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await emulate({ scheme, forced: true });
      const row = el.shadowRoot!.querySelector('[data-status="success"]')!;
      const bar = row.querySelector('progress')!;
      const canvas = backdrop(row);
      // A stored file's bar is full: its middle is painted with the value's colour, which must stand out.
      const shot = await pixels(bar.getBoundingClientRect());
      const middle = shot.at(shot.width / 2, shot.height / 2);
      expect(contrast(middle, canvas), `${scheme}: the bar's value ${middle} on ${canvas}`).to.be.at.least(3);
      expect(failing(measure(el)), scheme).to.deep.equal([]);
      // The choose button's edge: with a transparent border it would not stand out from Canvas.
      const button = part(el, 'button')!;
      expect(contrast(colorOf(button, 'borderTopColor'), backdrop(part(el, 'dropzone'))), `${scheme} button border`).to.be.at.least(3);
    }
  });

  it('targets: every button at least 24 × 24 px, and 44 × 44 px on a coarse pointer', async () => {
    const small = (least: number) => [...el.shadowRoot!.querySelectorAll('button')].map((b) => {
      const r = b.getBoundingClientRect();
      return { part: b.getAttribute('part'), width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10 };
    }).filter((b) => b.width < least || b.height < least);
    expect(el.shadowRoot!.querySelectorAll('button').length).to.be.at.least(7);
    expect(small(24)).to.deep.equal([]);
    await emulate({ scheme: 'light', touch: true });
    expect(matchMedia('(pointer: coarse)').matches).to.equal(true);
    expect(small(44)).to.deep.equal([]);
  });

  /** The checks of a narrow row: name readable, nothing overlapping, nothing wider than the widget. */
  function rowHolds(leastName: number): string[] {
    const problems: string[] = [];
    const host = el.getBoundingClientRect();
    for (const row of parts(el, 'file')) {
      const name = row.querySelector('[part~="file-name"]')!.getBoundingClientRect();
      if (name.width < leastName) problems.push(`${row.dataset['status']}: the name is ${name.width} px wide`);
      const pieces = [...row.querySelectorAll<HTMLElement>('[part~="preview"], [part~="file-name"], [part~="file-size"], [part~="status"], [part~="error"], progress, button')];
      for (const [i, a] of pieces.entries()) {
        const ra = a.getBoundingClientRect();
        if (ra.right > host.right + 0.5 || ra.left < host.left - 0.5) problems.push(`${a.getAttribute('part')} sticks out of the widget`);
        if (a.localName === 'button' && a.scrollWidth > a.clientWidth + 1) problems.push(`${row.dataset['status']}: ${a.getAttribute('part')}'s label overflows it`);
        for (const b of pieces.slice(i + 1)) {
          if (overlaps(ra, b.getBoundingClientRect())) problems.push(`${row.dataset['status']}: ${a.getAttribute('part')} overlaps ${b.getAttribute('part')}`);
        }
      }
    }
    if (document.documentElement.scrollWidth > innerWidth) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px in ${innerWidth})`);
    return problems;
  }

  it('at 320 px (and in a 200 px widget) the row holds: the name keeps its width, the buttons move below the status instead of overlapping it, no label overflows its button', async () => {
    await setViewport({ width: 320, height: 640 });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~="rate"]'), 'the speed and time left shown').to.not.equal(null);
    expect(rowHolds(150)).to.deep.equal([]);
    const row = el.shadowRoot!.querySelector<HTMLElement>('[data-status="uploading"]')!;
    const status = row.querySelector('[part~="status"]')!.getBoundingClientRect();
    expect(row.querySelector('button')!.getBoundingClientRect().top).to.be.at.least(status.bottom - 0.5);
    // Narrower than the demo's widget in a 320 px window (212 px rows, 40 px of it the preview).
    el.style.maxWidth = '200px';
    try {
      expect(rowHolds(100)).to.deep.equal([]);
    } finally {
      el.style.maxWidth = '';
    }
  });

  it('at 200 % zoom (a 1280 × 720 window: 640 × 360 CSS px at two device pixels each) every control is on screen and reachable', async () => {
    await setViewport({ width: 640, height: 360, deviceScaleFactor: 2 });
    expect(devicePixelRatio).to.equal(2);
    expect(rowHolds(300)).to.deep.equal([]);
    for (const button of el.shadowRoot!.querySelectorAll('button')) {
      button.scrollIntoView({ block: 'center' });
      const r = button.getBoundingClientRect();
      // What is painted at the button's middle is the button (or its text): nothing covers it.
      const hit = el.shadowRoot!.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      expect(hit === button || button.contains(hit), `${button.getAttribute('part')} is covered by ${hit?.getAttribute('part') ?? hit?.localName}`).to.equal(true);
    }
  });

  for (const media of [{ scheme: 'light' }, { scheme: 'dark' }, { scheme: 'light', forced: true }, { scheme: 'dark', forced: true }] as Media[]) {
    const what = `${media.scheme}${media.forced ? ', forced colours' : ''}`;
    it(`axe: no violation in any state (empty, uploading, paused, stored, failed, refused) in ${what}`, async () => {
      await emulate(media);
      await expect(empty).to.be.accessible();
      await expect(el).to.be.accessible();
    });
  }
});

// <oss-upload>'s previews: a thumbnail for each image (decoded at thumbnail size, in the image's
// proportions and orientation, two at a time, when its row comes near the view, its pixels freed
// when the row goes away), an icon for every other file (and for an image that cannot be decoded),
// ✓/✗ marks beside the status of finished rows, the `previews` attribute (thumbnails, icons,
// none), and all of it accessible.
import { expect } from '@open-wc/testing';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, eventually, mount, next, part, parts, uploadAll } from './support.js';

/** An image `width`×`height`, its top half red and its bottom half blue, encoded as `type`. */
async function image(name: string, width: number, height: number, type = 'image/png'): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#f00';
  g.fillRect(0, 0, width, height / 2);
  g.fillStyle = '#00f';
  g.fillRect(0, height / 2, width, height / 2);
  return new File([await canvas.convertToBlob({ type, quality: 0.9 })], name, { type });
}

/** The JPEG with an EXIF block after its SOI marker that says "rotate 90° clockwise to show" (orientation 6). */
async function rotated(jpeg: File): Promise<File> {
  const bytes = new Uint8Array(await jpeg.arrayBuffer());
  const exif = [
    0xff, 0xe1, 0x00, 0x22, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // APP1, length 34, "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD at 8
    0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, // one entry: Orientation (SHORT) = 6
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ];
  return new File([bytes.subarray(0, 2), new Uint8Array(exif), bytes.subarray(2)], jpeg.name, { type: jpeg.type });
}

const text = (name: string, type = 'text/plain') => new File(['hello'], name, { type });

/** The colour of a canvas's pixel at (x, y), as 'red', 'blue' or the RGB values. */
function colourAt(canvas: HTMLCanvasElement, x: number, y: number): string {
  const probe = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d')!;
  probe.drawImage(canvas, 0, 0);
  const [r, g, b] = probe.getImageData(x, y, 1, 1).data;
  return r! > 200 && g! < 50 && b! < 50 ? 'red' : r! < 50 && g! < 50 && b! > 200 ? 'blue' : `${r},${g},${b}`;
}

/**
 * Counts the page's calls to createImageBitmap (and how many run at once) and keeps what they made.
 * With `held`, each decode waits for `release()` before it starts, so a test sees the queue as it stands.
 */
function spyOnDecodes(held = false) {
  const original = window.createImageBitmap;
  let release = () => {};
  const gate = held ? new Promise<void>((resolve) => { release = resolve; }) : Promise.resolve();
  const spy = { calls: 0, running: 0, most: 0, bitmaps: [] as ImageBitmap[], release: () => release(), restore: () => { window.createImageBitmap = original; } };
  window.createImageBitmap = async function (this: unknown, ...args: unknown[]) {
    spy.calls++;
    spy.most = Math.max(spy.most, ++spy.running);
    try {
      await gate;
      const bitmap = await (Reflect.apply(original, window, args) as Promise<ImageBitmap>);
      spy.bitmaps.push(bitmap);
      return bitmap;
    } finally {
      spy.running--;
    }
  } as typeof createImageBitmap;
  return spy;
}

/** Counts object URLs made and revoked. */
function spyOnObjectUrls() {
  const { createObjectURL, revokeObjectURL } = URL;
  const live = new Set<string>();
  const spy = { made: 0, live, restore: () => Object.assign(URL, { createObjectURL, revokeObjectURL }) };
  URL.createObjectURL = (object: Blob | MediaSource) => {
    const url = createObjectURL(object);
    spy.made++;
    live.add(url);
    return url;
  };
  URL.revokeObjectURL = (url: string) => {
    live.delete(url);
    revokeObjectURL(url);
  };
  return spy;
}

const thumbnails = (el: OssUpload) => parts(el, 'thumbnail') as HTMLCanvasElement[];
const waitForThumbnails = (el: OssUpload, count: number) => eventually(async () => thumbnails(el), (t) => t.length >= count);
const rows = (el: OssUpload) => parts(el, 'file');
const iconOf = (row: HTMLElement) => row.querySelector('[part~="file-icon"]')?.getAttribute('part')?.replace('file-icon ', '') ?? null;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('<oss-upload> previews', function () {
  this.timeout(60_000);
  const spies: Array<{ restore(): void }> = [];
  afterEach(async () => {
    for (const s of spies.splice(0)) s.restore();
    await cleanup();
  });

  // First in this file: the page has not loaded the thumbnail module yet.
  it('loads the thumbnail code only when an image row appears', async () => {
    const loaded = () => performance.getEntriesByType('resource').some((e) => e.name.includes('preview-thumbnail'));
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    el.addFiles([text('a.txt'), text('b.pdf', 'application/pdf'), new File(['<svg/>'], 'c.svg', { type: 'image/svg+xml' })]);
    await el.updateComplete;
    await pause(200);
    expect(loaded(), 'loaded with no raster image listed').to.equal(false);
    el.addFiles([await image('d.png', 60, 40)]);
    await waitForThumbnails(el, 1);
    expect(loaded()).to.equal(true);
  });

  it('a PNG and a JPEG get thumbnails decoded at thumbnail size, in their proportions', async () => {
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    el.addFiles([await image('wide.png', 1600, 800), await image('tall.jpg', 600, 1200, 'image/jpeg')]);
    const [wide, tall] = await waitForThumbnails(el, 2);
    const cell = part(el, 'preview')!;
    const box = Math.round(cell.clientWidth * Math.min(devicePixelRatio, 3));
    expect(cell.clientWidth).to.equal(40);
    // Decoded to the cell's device pixels, not 1600×800: the width fits, the height keeps the proportions.
    expect([wide!.width, wide!.height]).to.deep.equal([box, box / 2]);
    expect(tall!.width).to.equal(box);
    expect(tall!.height).to.be.closeTo(box * 2, 1);
    expect(colourAt(wide!, box / 2, 2)).to.equal('red');
    expect(colourAt(wide!, box / 2, box / 2 - 3)).to.equal('blue');
    // Shown whole inside the 40×40 cell.
    const shown = tall!.getBoundingClientRect();
    expect([shown.width, shown.height]).to.deep.equal([40, 40]);
    expect(getComputedStyle(tall!).objectFit).to.equal('contain');
    // The icon made way for the thumbnail.
    expect(rows(el).map(iconOf)).to.deep.equal([null, null]);
  });

  it('respects the EXIF orientation of a JPEG', async () => {
    const el = await mount({ endpoint: '/sign', manual: true });
    el.addFiles([await rotated(await image('phone.jpg', 400, 200, 'image/jpeg'))]);
    const [thumb] = await waitForThumbnails(el, 1);
    const box = thumb!.width;
    // Stored 400×200, top red; shown turned a quarter clockwise: 200×400, the red on the right.
    expect(thumb!.height).to.be.closeTo(box * 2, 1);
    expect(colourAt(thumb!, 2, box)).to.equal('blue');
    expect(colourAt(thumb!, box - 3, box)).to.equal('red');
  });

  it('decodes at most two images at a time, and frees every thumbnail when its row goes away', async () => {
    const decodes = spyOnDecodes();
    const urls = spyOnObjectUrls();
    spies.push(decodes, urls);
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    const files = await Promise.all(Array.from({ length: 6 }, (_, i) => image(`p${i}.jpg`, 600, 400, 'image/jpeg')));
    el.addFiles(files);
    const shown = await waitForThumbnails(el, 6);
    expect(decodes.calls).to.equal(6);
    expect(decodes.most).to.be.at.most(2);
    // Each decoded bitmap was drawn into its canvas and closed: none keeps pixels of its own.
    expect(decodes.bitmaps.map((b) => b.width)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(shown.every((c) => c.width > 0)).to.equal(true);
    // Remove one row by its button, then clear the rest: each canvas lets go of its pixels.
    part(el, 'remove-button')!.click();
    await el.updateComplete;
    expect(shown[0]!.width, 'removed row').to.equal(0);
    expect(shown.slice(1).every((c) => c.width > 0)).to.equal(true);
    el.clear();
    await el.updateComplete;
    expect(shown.map((c) => c.width)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    // No object URL is left behind (the thumbnails need none).
    expect(urls.live.size).to.equal(0);
  });

  it('rows removed before their turn are never decoded', async () => {
    const decodes = spyOnDecodes(true);
    spies.push(decodes);
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    const files = await Promise.all(Array.from({ length: 8 }, (_, i) => image(`q${i}.jpg`, 300, 200, 'image/jpeg')));
    el.addFiles(files);
    await eventually(async () => decodes.calls, (n) => n >= 2);
    await pause(300);
    expect(decodes.calls, 'two decode, six wait').to.equal(2);
    el.clear();
    decodes.release();
    await eventually(async () => decodes.running, (n) => n === 0);
    await pause(300);
    expect(decodes.calls).to.equal(2);
    expect(decodes.bitmaps.length).to.equal(2);
    // What was decoding when the rows went was closed: no bitmap keeps its pixels.
    expect(decodes.bitmaps.every((b) => b.width === 0)).to.equal(true);
  });

  it('a long list decodes the rows near the view, and the others when they are scrolled to', async () => {
    const decodes = spyOnDecodes();
    spies.push(decodes);
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    const files = await Promise.all(Array.from({ length: 40 }, (_, i) => image(`r${i}.png`, 60, 40)));
    el.addFiles(files);
    await waitForThumbnails(el, 5);
    await pause(500);
    const last = rows(el).at(-1)!;
    expect(last.getBoundingClientRect().top, 'the last row is far below the view').to.be.above(2 * innerHeight);
    expect(decodes.calls, 'decoded before scrolling').to.be.within(5, 30);
    expect(last.querySelector('[part~="thumbnail"]') === null).to.equal(true);
    last.scrollIntoView();
    await eventually(async () => last.querySelector('[part~="thumbnail"]') !== null, (shown) => shown);
    expect(last.querySelector('[part~="thumbnail"]') !== null, 'the last row once in view').to.equal(true);
    scrollTo(0, 0);
  });

  it('an icon per family of file, from the extension or else the type', async () => {
    const el = await mount({ endpoint: '/sign', manual: true, multiple: true });
    el.addFiles([
      text('report.pdf', 'application/pdf'),
      text('backup.zip', 'application/zip'),
      text('sheet.csv', 'text/csv'),
      text('budget.xlsx', ''),
      text('letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
      text('README', 'text/plain'),
      text('clip.mp4', 'video/mp4'),
      text('song.mp3', 'audio/mpeg'),
      text('logo.svg', 'image/svg+xml'),
      text('data.bin', ''),
      text('noext', 'application/x-7z-compressed'),
    ]);
    await el.updateComplete;
    expect(rows(el).map(iconOf)).to.deep.equal([
      'file-icon-pdf', 'file-icon-archive', 'file-icon-spreadsheet', 'file-icon-spreadsheet', 'file-icon-text', 'file-icon-text',
      'file-icon-video', 'file-icon-audio', 'file-icon-image', 'file-icon-generic', 'file-icon-archive',
    ]);
    // Decorative: hidden from assistive technology, drawn in the text colour.
    const icon = rows(el)[0]!.querySelector('[part~="file-icon"]')!;
    expect(part(el, 'preview')!.getAttribute('aria-hidden')).to.equal('true');
    expect(icon.getAttribute('stroke')).to.equal('currentColor');
    await pause(300);
    expect(thumbnails(el).length, 'an SVG is a document: no thumbnail').to.equal(0);
  });

  it('marks a stored file with ✓ and a failed one with ✗, beside the words', async () => {
    const ok = await mount({ endpoint: '/sign' });
    await uploadAll(ok, [text(`mark-${crypto.randomUUID()}.txt`)]);
    await ok.updateComplete;
    const status = part(ok, 'status')!;
    expect(status.querySelector('[part~="mark"]')!.getAttribute('part')).to.equal('mark mark-success');
    expect(status.textContent!.trim()).to.not.equal('');
    const failed = await mount({ endpoint: '/sign-html', retries: '0' });
    await uploadAll(failed, [text('x.txt')]);
    await failed.updateComplete;
    const error = part(failed, 'error')!;
    expect(error.querySelector('[part~="mark"]')!.getAttribute('part')).to.equal('mark mark-error');
    expect(error.textContent!.trim()).to.not.equal('');
    expect(part(failed, 'mark')!.getAttribute('aria-hidden')).to.equal('true');
    // Unfinished rows have no mark.
    const waiting = await mount({ endpoint: '/sign', manual: true });
    waiting.addFiles([text('y.txt')]);
    await waiting.updateComplete;
    expect(part(waiting, 'mark') === null, 'a mark').to.equal(true);
  });

  it('a broken image keeps its icon, throws nothing, and uploads as any file', async () => {
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent | PromiseRejectionEvent) => errors.push('reason' in e ? e.reason : e.error);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    try {
      const decodes = spyOnDecodes();
      spies.push(decodes);
      const el = await mount({ endpoint: '/sign', multiple: true });
      const broken = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4])], `broken-${crypto.randomUUID()}.png`, { type: 'image/png' });
      const success = next(el, 'oss-upload-success');
      el.addFiles([broken]);
      expect((await success).detail.file.name).to.equal(broken.name);
      await eventually(async () => decodes.running + (decodes.calls ? 0 : 1), (n) => n === 0);
      await pause(100);
      await el.updateComplete;
      expect(thumbnails(el).length).to.equal(0);
      expect(rows(el).map(iconOf)).to.deep.equal(['file-icon-image']);
      expect(errors.map(String)).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onError);
    }
  });

  it('previews="icons" decodes nothing', async () => {
    const decodes = spyOnDecodes();
    spies.push(decodes);
    const el = await mount({ endpoint: '/sign', manual: true, previews: 'icons' });
    el.addFiles([await image('a.png', 300, 200)]);
    await el.updateComplete;
    await pause(500);
    expect(decodes.calls).to.equal(0);
    expect(thumbnails(el).length).to.equal(0);
    expect(rows(el).map(iconOf)).to.deep.equal(['file-icon-image']);
  });

  it('previews="none" has no preview cell; switching back to thumbnails decodes', async () => {
    const el = await mount({ endpoint: '/sign', manual: true, previews: 'none' });
    el.addFiles([await image('a.png', 300, 200)]);
    await el.updateComplete;
    expect(part(el, 'preview') === null, 'a preview cell').to.equal(true);
    const row = rows(el)[0]!;
    const name = part(el, 'file-name')!;
    // The name starts where the row's padding does (no room kept for a cell).
    expect(name.getBoundingClientRect().left - row.getBoundingClientRect().left).to.be.below(20);
    el.setAttribute('previews', 'thumbnails');
    const [thumb] = await waitForThumbnails(el, 1);
    el.setAttribute('previews', 'icons');
    await el.updateComplete;
    expect(thumb!.width, 'turned down: the pixels are freed').to.equal(0);
    expect(rows(el).map(iconOf)).to.deep.equal(['file-icon-image']);
  });

  it('a previews value it does not know warns once and shows thumbnails', async () => {
    const said: string[] = [];
    const real = console.warn;
    console.warn = (...args: unknown[]) => said.push(args.map(String).join(' '));
    try {
      const el = await mount({ endpoint: '/sign', manual: true, previews: 'big' });
      el.addFiles([await image('a.png', 300, 200)]);
      await waitForThumbnails(el, 1);
      el.requestUpdate();
      await el.updateComplete;
      expect(thumbnails(el).length).to.equal(1);
    } finally {
      console.warn = real;
    }
    expect(said.filter((m) => m.includes('previews'))).to.deep.equal(['<oss-upload>: previews="big" is not valid; thumbnails (the default) is used instead.']);
  });

  it('accessible (axe) with thumbnails, icons and marks', async () => {
    const el = await mount({ endpoint: '/sign', multiple: true });
    await uploadAll(el, [await image(`axe-${crypto.randomUUID()}.png`, 200, 100), text(`axe-${crypto.randomUUID()}.pdf`, 'application/pdf')]);
    await waitForThumbnails(el, 1);
    const failed = await mount({ endpoint: '/sign-html', retries: '0' });
    await uploadAll(failed, [text('z.zip', 'application/zip')]);
    await expect(el).to.be.accessible();
    await expect(failed).to.be.accessible();
  });
});

// Image downscaling before upload (`image-max-dimension`, `image-quality`, `image-type`): what
// reaches the emulator is read back (ali-oss, the independent client) and decoded, so the sizes,
// dimensions, orientation and bytes asserted are those of the stored objects.
import { expect } from '@open-wc/testing';
import { env } from '/__env.js';
import '../../node_modules/ali-oss/dist/aliyun-oss-sdk.min.js';
import type { OssUpload } from '../../src/oss-upload.js';
import { cleanup, details, mount, next, record, stored } from './support.js';

interface BrowserOss {
  get(name: string): Promise<{ content: Uint8Array }>;
}
const OSS = (window as unknown as { OSS: new (options: object) => BrowserOss }).OSS;
const client = new OSS({
  endpoint: env.ossEndpoint, sldEnable: true, secure: false, bucket: env.bucket, region: `oss-${env.region}`,
  accessKeyId: env.accessKeyId, accessKeySecret: env.accessKeySecret,
});

/** The file as one chosen with its folder (what the browser sets on files of a `webkitdirectory` choice). */
const withPath = (file: File, path: string): File => Object.defineProperty(file, 'webkitRelativePath', { value: path });

const uniq = () => `img-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** An image drawn on a canvas: left half red, right half blue, optionally noise all over (which JPEG cannot shrink much). */
async function drawn(width: number, height: number, type: string, { noise = false, quality = 0.92 } = {}): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  if (noise) {
    const pixels = new ImageData(width, height);
    for (let at = 0; at < pixels.data.length; at += 65536) crypto.getRandomValues(pixels.data.subarray(at, Math.min(pixels.data.length, at + 65536)));
    for (let at = 3; at < pixels.data.length; at += 4) pixels.data[at] = 255;
    context.putImageData(pixels, 0, 0);
  } else {
    context.fillStyle = '#f00';
    context.fillRect(0, 0, width / 2, height);
    context.fillStyle = '#00f';
    context.fillRect(width / 2, 0, width / 2, height);
  }
  const blob = await canvas.convertToBlob({ type, quality });
  expect(blob.type).to.equal(type);
  return new Uint8Array(await blob.arrayBuffer());
}

const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const u32be = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const ascii = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const pngChunk = (type: string, data: Uint8Array) => concat(u32be(data.length), ascii(type), data, u32be(crc32(concat(ascii(type), data))));

/** The PNG as an APNG of one frame: acTL and fcTL before the first IDAT (which becomes the frame). */
function asApng(png: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
  let at = 8;
  while (new TextDecoder().decode(png.subarray(at + 4, at + 8)) !== 'IDAT') at += 12 + new DataView(png.buffer, png.byteOffset).getUint32(at);
  const acTL = pngChunk('acTL', concat(u32be(1), u32be(0)));
  const fcTL = pngChunk('fcTL', concat(u32be(0), u32be(width), u32be(height), u32be(0), u32be(0), new Uint8Array([0, 1, 0, 10, 0, 0])));
  return concat(png.subarray(0, at), acTL, fcTL, png.subarray(at));
}

const u24le = (n: number) => new Uint8Array([n & 255, (n >> 8) & 255, (n >> 16) & 255]);
const u32le = (n: number) => new Uint8Array([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);
const riffChunk = (type: string, data: Uint8Array) => concat(ascii(type), u32le(data.length), data, data.length % 2 ? new Uint8Array(1) : new Uint8Array(0));

/** A static WebP as an animated one of one frame: VP8X with the animation flag, ANIM, ANMF around the image's chunk. */
function asAnimatedWebp(webp: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
  const image = webp.subarray(12); // the VP8/VP8L chunk after RIFF....WEBP
  const vp8x = riffChunk('VP8X', concat(new Uint8Array([0x02, 0, 0, 0]), u24le(width - 1), u24le(height - 1)));
  const anim = riffChunk('ANIM', new Uint8Array([255, 255, 255, 255, 0, 0]));
  const anmf = riffChunk('ANMF', concat(u24le(0), u24le(0), u24le(width - 1), u24le(height - 1), u24le(100), new Uint8Array([0]), image));
  const body = concat(ascii('WEBP'), vp8x, anim, anmf);
  return concat(ascii('RIFF'), u32le(body.length), body);
}

/** A JPEG with an EXIF APP1 segment right after SOI that holds only the Orientation tag. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array<ArrayBuffer> {
  const tiff = new Uint8Array([
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // Orientation, SHORT, 1
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const payload = concat(ascii('Exif\0\0'), tiff);
  const app1 = concat(new Uint8Array([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255]), payload);
  return concat(jpeg.subarray(0, 2), app1, jpeg.subarray(2));
}

/** A GIF89a of 2000 × 10 (one 1 × 1 image on that screen). */
const GIF = new Uint8Array([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0xd0, 0x07, 0x0a, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
  0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
]);

/** The stored object's bytes, read back with ali-oss, and its decoded size and pixels. */
async function readBack(key: string): Promise<{ bytes: Uint8Array; width: number; height: number; pixel(x: number, y: number): number[] }> {
  const { content } = await client.get(key);
  const bytes = new Uint8Array(content);
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  return { bytes, width: bitmap.width, height: bitmap.height, pixel: (x, y) => [...context.getImageData(x, y, 1, 1).data.subarray(0, 3)] };
}

const upload = async (el: OssUpload, files: File[]) => {
  const complete = next(el, 'oss-upload-complete', 60_000);
  await el.addFiles(files);
  return (await complete).detail;
};

const resources = (part: string) => performance.getEntriesByType('resource').filter((e) => e.name.includes(part)).length;

describe('<oss-upload> image downscaling', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('is loaded only when used, and runs in a worker', async () => {
    const Real = window.Worker;
    let workers = 0;
    window.Worker = class extends Real {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        workers++;
      }
    };
    try {
      const run = uniq();
      const png = await drawn(1600, 1200, 'image/png');
      const plain = await mount({ endpoint: '/sign', 'key-template': `${run}/plain/{name}` });
      await upload(plain, [new File([png], 'big.png', { type: 'image/png' })]);
      expect(resources('transforms/image'), 'no downscaling asked: not loaded').to.equal(0);
      expect((await stored(`uploads/${run}/plain/big.png`))?.size).to.equal(png.length);

      const el = await mount({ endpoint: '/sign', 'image-max-dimension': '400', 'key-template': `${run}/{name}` });
      // The page's own decoder gone: only a worker can have done the work.
      const pageDecoder = window.createImageBitmap;
      Object.defineProperty(window, 'createImageBitmap', { value: undefined, configurable: true });
      try {
        await upload(el, [new File([png], 'big.png', { type: 'image/png' })]);
      } finally {
        Object.defineProperty(window, 'createImageBitmap', { value: pageDecoder, configurable: true, writable: true });
      }
      expect(resources('transforms/image'), 'loaded on first use').to.equal(1);
      expect(workers).to.equal(1);
      const back = await readBack(`uploads/${run}/big.png`);
      expect([back.width, back.height]).to.deep.equal([400, 300]);
    } finally {
      window.Worker = Real;
    }
  });

  it('scales a large JPEG down to image-max-dimension; the events say the original and the uploaded size', async () => {
    const run = uniq();
    const jpeg = await drawn(3000, 2000, 'image/jpeg', { noise: true });
    const el = await mount({ endpoint: '/sign', 'image-max-dimension': '1024', 'key-template': `${run}/{name}` });
    const events = record(el);
    const tasks: number[] = [];
    const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
    observer.observe({ type: 'longtask' });
    const started = performance.now();
    const { successful } = await upload(el, [new File([jpeg], 'photo.jpg', { type: 'image/jpeg' })]);
    const took = performance.now() - started;
    observer.disconnect();
    console.log(`# 3000 × 2000 JPEG (${jpeg.length} B) → 1024 px: uploaded in ${Math.round(took)} ms; main thread long tasks: ${tasks.length}, longest ${Math.round(Math.max(0, ...tasks))} ms`);

    const key = `uploads/${run}/photo.jpg`;
    const object = await stored(key);
    expect(object?.contentType).to.equal('image/jpeg');
    const back = await readBack(key);
    expect([back.width, back.height]).to.deep.equal([1024, 683]);
    expect(back.bytes.length).to.equal(object!.size);
    expect(object!.size).to.be.below(jpeg.length / 4);
    const [file] = successful;
    expect([file!.name, file!.type, file!.originalSize, file!.size]).to.deep.equal(['photo.jpg', 'image/jpeg', jpeg.length, object!.size]);
    // From the moment the file started (after the downscaling) its sizes are the uploaded ones.
    const start = details(events, 'oss-upload-before')[0]!.file;
    expect([start.originalSize, start.size]).to.deep.equal([jpeg.length, object!.size]);
    expect(details(events, 'oss-upload-progress').at(-1)!.total).to.equal(object!.size);
    expect(el.files[0]!.file.size).to.equal(object!.size);
  });

  it('applies the EXIF orientation before scaling', async () => {
    const run = uniq();
    // Stored 400 × 200, red left, blue right; Orientation 6 shows it turned 90° clockwise: 200 × 400, red on top.
    const jpeg = withOrientation(await drawn(400, 200, 'image/jpeg'), 6);
    const el = await mount({ endpoint: '/sign', 'image-max-dimension': '100', 'key-template': `${run}/{name}` });
    await upload(el, [new File([jpeg], 'turned.jpg', { type: 'image/jpeg' })]);
    const back = await readBack(`uploads/${run}/turned.jpg`);
    expect([back.width, back.height]).to.deep.equal([50, 100]);
    const [r1, , b1] = back.pixel(25, 10);
    const [r2, , b2] = back.pixel(25, 90);
    expect(r1! > 200 && b1! < 60, `top is red: ${back.pixel(25, 10)}`).to.equal(true);
    expect(b2! > 200 && r2! < 60, `bottom is blue: ${back.pixel(25, 90)}`).to.equal(true);
  });

  it('image-type re-encodes (PNG → WebP, the name follows), image-quality sets the encoder quality, a folder file keeps its path', async () => {
    const run = uniq();
    const png = await drawn(1200, 900, 'image/png', { noise: true });
    const el = await mount({ endpoint: '/sign', 'image-type': 'image/webp', 'image-quality': '0.5', 'key-template': `${run}/{path}` });
    const inFolder = withPath(new File([png], 'shot.png', { type: 'image/png' }), 'album/2024/shot.png');
    const { successful } = await upload(el, [inFolder]);
    expect(successful.map((f) => [f.name, f.type, f.relativePath, f.key])).to.deep.equal([
      ['shot.webp', 'image/webp', 'album/2024/shot.webp', `uploads/${run}/album/2024/shot.webp`],
    ]);
    const object = await stored(`uploads/${run}/album/2024/shot.webp`);
    expect(object?.contentType).to.equal('image/webp');
    const back = await readBack(object!.key);
    expect([back.width, back.height], 'no image-max-dimension: the size stays').to.deep.equal([1200, 900]);

    const better = await mount({ endpoint: '/sign', 'image-type': 'image/webp', 'image-quality': '0.95', 'key-template': `${run}/hq-{name}` });
    await upload(better, [new File([png], 'shot.png', { type: 'image/png' })]);
    expect((await stored(`uploads/${run}/hq-shot.webp`))!.size).to.be.above(object!.size * 1.3);
  });

  it('leaves alone GIF, SVG, animated PNG and WebP, images small enough, and what cannot be decoded — while a static one beside them is scaled', async () => {
    const run = uniq();
    const png = await drawn(600, 400, 'image/png');
    const webp = await drawn(600, 400, 'image/webp');
    const svg = ascii('<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000"><rect width="4000" height="3000" fill="red"/></svg>');
    const alone: Array<[string, Uint8Array<ArrayBuffer>, string]> = [
      ['anim.gif', GIF, 'image/gif'],
      ['drawing.svg', svg, 'image/svg+xml'],
      ['anim.png', asApng(png, 600, 400), 'image/png'],
      ['anim.webp', asAnimatedWebp(webp, 600, 400), 'image/webp'],
      ['small.png', await drawn(100, 80, 'image/png'), 'image/png'],
      ['broken.jpg', ascii('not a JPEG at all'), 'image/jpeg'],
    ];
    const el = await mount({ endpoint: '/sign', multiple: true, 'image-max-dimension': '200', 'key-template': `${run}/{name}` });
    const { successful, failed } = await upload(el, [
      ...alone.map(([name, bytes, type]) => new File([bytes], name, { type })),
      new File([png], 'still.png', { type: 'image/png' }),
      new File([webp], 'still.webp', { type: 'image/webp' }),
    ]);
    expect(failed).to.deep.equal([]);
    expect(successful.filter((f) => f.originalSize !== undefined).map((f) => f.name).sort()).to.deep.equal(['still.png', 'still.webp']);
    for (const [name, bytes] of alone) {
      const { content } = await client.get(`uploads/${run}/${name}`);
      expect(new Uint8Array(content), `${name} is stored as it was`).to.deep.equal(bytes);
    }
    for (const name of ['still.png', 'still.webp']) {
      const back = await readBack(`uploads/${run}/${name}`);
      expect([back.width, back.height], name).to.deep.equal([200, 133]);
    }
  });

  it('warns once about a value it cannot use, and uses none', async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
    try {
      const el = await mount({ endpoint: '/sign', manual: true, 'image-max-dimension': 'big', 'image-quality': '80', 'image-type': 'image/gif', 'max-depth': '0' });
      el.dispatchEvent(new DragEvent('dragenter')); // the core, which reads the settings, loads with a drag over the element
      await el.updateComplete;
      el.requestUpdate();
      await el.updateComplete;
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.have.members([
      '<oss-upload>: image-max-dimension="big" is not valid; no downscaling is used instead.',
      '<oss-upload>: image-quality="80" is not valid; 0.85 (the default) is used instead.',
      '<oss-upload>: image-type="image/gif" is not valid; the image\'s own type is used instead.',
      '<oss-upload>: max-depth="0" is not valid; 16 (the default) is used instead.',
    ]);
  });

  it('an abort while the image is being scaled cancels it: nothing stored', async () => {
    const run = uniq();
    const jpeg = await drawn(4000, 3000, 'image/jpeg', { noise: true });
    const el = await mount({ endpoint: '/sign', 'image-max-dimension': '500', 'key-template': `${run}/{name}` });
    const events = record(el);
    const aborted = next(el, 'oss-upload-abort');
    await el.addFiles([new File([jpeg], 'cancel.jpg', { type: 'image/jpeg' })]);
    expect(el.files[0]!.status).to.equal('uploading');
    el.abort();
    await aborted;
    await new Promise((r) => setTimeout(r, 500));
    expect(details(events, 'oss-upload-start')).to.deep.equal([]);
    expect(await stored(`uploads/${run}/cancel.jpg`)).to.equal(undefined);
    expect(el.files[0]!.status).to.equal('aborted');
  });
});

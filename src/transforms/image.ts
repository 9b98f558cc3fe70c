// Decodes, downscales and re-encodes one image: in a Worker (made from a blob: URL, so it needs no
// file of its own in any bundle) where the page allows one, else on the page's thread, where
// createImageBitmap and convertToBlob still decode and encode off it. Loaded on first use by
// ./index.ts. Animated PNG and WebP are left alone (re-encoding keeps one frame). It imports
// nothing at run time: what it shared with the first load would be split into a chunk of its own.
import type { ImageTransformOptions } from './index.js';

interface Job {
  file: Blob;
  /** 0: no limit. */
  maxDimension: number;
  type: string;
  quality: number;
  /** The output type is the input's: an image that needs no scaling is left alone. */
  sameType: boolean;
}

/** `blob` absent: leave the file alone (small enough already, or the type cannot be encoded here). */
interface Done {
  blob?: Blob;
  width: number;
  height: number;
}

/**
 * The work itself. Self-contained (it references nothing outside itself): its source text is
 * also the worker's. EXIF orientation is applied on decode; JPEG has no alpha, so transparent
 * pixels become white rather than black.
 */
async function work(job: Job): Promise<Done> {
  const decoded = await createImageBitmap(job.file, { imageOrientation: 'from-image' });
  const { width, height } = decoded;
  const scale = job.maxDimension > 0 ? Math.min(1, job.maxDimension / Math.max(width, height)) : 1;
  if (scale === 1 && job.sameType) {
    decoded.close();
    return { width, height };
  }
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  let bitmap = decoded;
  if (scale < 1) {
    bitmap = await createImageBitmap(decoded, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    decoded.close();
  }
  try {
    const canvas = typeof OffscreenCanvas === 'function'
      ? new OffscreenCanvas(w, h)
      : Object.assign(document.createElement('canvas'), { width: w, height: h });
    const context = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    if (!context) throw new Error('No 2D canvas.');
    if (job.type === 'image/jpeg') {
      context.fillStyle = '#fff';
      context.fillRect(0, 0, w, h);
    }
    context.drawImage(bitmap, 0, 0, w, h);
    const blob = 'convertToBlob' in canvas
      ? await canvas.convertToBlob({ type: job.type, quality: job.quality })
      : await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, job.type, job.quality));
    // A browser that cannot encode the type answers PNG: then the file goes as it is.
    if (!blob || blob.type !== job.type) return { width, height };
    return { blob, width: w, height: h };
  } finally {
    bitmap.close();
  }
}

const WORKER_SOURCE = `const work = ${work.toString()};
onmessage = (event) => work(event.data).then((done) => postMessage({ done }), (error) => postMessage({ error: String(error) }));`;

/** Runs the job in a worker of its own, ended when it answers or the upload is aborted. */
function inWorker(job: Job, signal: AbortSignal): Promise<Done> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    let worker: Worker;
    try {
      worker = new Worker(url);
    } catch (error) {
      URL.revokeObjectURL(url);
      reject(error);
      return;
    }
    const end = () => {
      worker.terminate();
      URL.revokeObjectURL(url);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      end();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort);
    worker.onmessage = (event: MessageEvent<{ done?: Done; error?: string }>) => {
      end();
      if (event.data.done) resolve(event.data.done);
      else reject(new Error(event.data.error));
    };
    // A Content-Security-Policy without `worker-src blob:` refuses the worker: the caller does the work itself.
    worker.onerror = (event) => {
      event.preventDefault();
      end();
      reject(new Error('The image worker could not run.'));
    };
    worker.postMessage(job);
  });
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp' };

/** `photo.png` as `image/jpeg`: `photo.jpg`. */
function renamed(name: string, type: string): string {
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name) + (EXTENSIONS[type] ?? '');
}

const ascii = (bytes: Uint8Array, at: number, length = 4) => String.fromCharCode(...bytes.subarray(at, at + length));
const bytesOf = async (blob: Blob, start: number, end: number) => new Uint8Array(await blob.slice(start, end).arrayBuffer());

/**
 * Whether the image moves: an APNG (an `acTL` chunk before the first `IDAT`) or an animated WebP
 * (the VP8X header's animation flag). JPEG never does; GIF never gets here.
 */
export async function isAnimated(file: Blob): Promise<boolean> {
  if (file.type === 'image/webp') {
    const head = await bytesOf(file, 0, 21);
    return ascii(head, 0) === 'RIFF' && ascii(head, 8) === 'WEBP' && ascii(head, 12) === 'VP8X' && (head[20]! & 0x02) !== 0;
  }
  if (file.type !== 'image/png') return false;
  // Chunks: 4 bytes length, 4 bytes type, data, 4 bytes CRC; the first after the 8-byte signature.
  for (let at = 8, chunks = 0; at + 8 <= file.size && chunks < 1000; chunks++) {
    const head = await bytesOf(file, at, at + 8);
    const type = ascii(head, 4);
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    at += 12 + new DataView(head.buffer).getUint32(0);
  }
  return false;
}

/**
 * The file downscaled to `maxDimension` and/or encoded as `type`, or undefined to upload it as
 * it is: animated, small enough already in its own type, or a type this browser cannot encode.
 * A new type renames the file's extension. Throws when the image cannot be decoded, and with
 * the signal's reason when it is aborted.
 */
export async function transformImage(file: File, options: ImageTransformOptions, signal: AbortSignal): Promise<File | undefined> {
  if (await isAnimated(file)) return undefined;
  const type = options.type ?? file.type;
  const job: Job = { file, maxDimension: options.maxDimension ?? 0, type, quality: options.quality ?? 0.85, sameType: type === file.type };
  let done: Done;
  try {
    done = await inWorker(job, signal);
  } catch {
    signal.throwIfAborted();
    done = await work(job);
  }
  signal.throwIfAborted();
  if (!done.blob) return undefined;
  const name = type === file.type ? file.name : renamed(file.name, type);
  return new File([done.blob], name, { type, lastModified: file.lastModified });
}

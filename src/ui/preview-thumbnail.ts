// Image thumbnails, loaded with import() when the first image row appears. Each image is decoded
// straight to thumbnail size by createImageBitmap (in Chromium off the main thread, EXIF
// orientation applied: 'from-image' is the default) and drawn into a canvas of that size.
// At most two decode at once: a decoder may hold the full-size image while it works, and fifty
// 50-megapixel photos decoded together would hold ten gigabytes.

/** Decodes at a time. */
const AT_ONCE = 2;
let running = 0;
const waiting = new Set<() => void>();

/** Waits for a free decoder; rejects if the row goes away first. */
function slot(signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (running < AT_ONCE) {
    running++;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const start = () => {
      signal.removeEventListener('abort', cancel);
      running++;
      resolve();
    };
    const cancel = () => {
      waiting.delete(start);
      reject(signal.reason);
    };
    waiting.add(start);
    signal.addEventListener('abort', cancel, { once: true });
  });
}

function done(): void {
  running--;
  const next = waiting.values().next();
  if (!next.done) {
    waiting.delete(next.value);
    next.value();
  }
}

/**
 * A canvas holding the image `width` device pixels wide, its height in the image's proportions
 * (only the width is given, so the decoder keeps the aspect ratio of the oriented image; a portrait
 * image comes out taller than wide). Rejects when the image cannot be decoded or the signal aborts.
 */
export async function drawThumbnail(file: Blob, width: number, signal: AbortSignal): Promise<HTMLCanvasElement> {
  await slot(signal);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { resizeWidth: width, resizeQuality: 'medium' });
  } finally {
    done();
  }
  if (signal.aborted) {
    bitmap.close();
    throw signal.reason;
  }
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    // A 2d copy, not 'bitmaprenderer': Chromium 156 shows an EXIF-rotated bitmap handed to one cut and misplaced.
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
    return canvas;
  } finally {
    bitmap.close();
  }
}

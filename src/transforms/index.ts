// Image downscaling and re-encoding before upload, as the controller's `transform`. This module is
// all that the first load carries: the decoding and encoding (./image.ts) is imported on first use.
import { withPath } from '../input/index.js';

export interface ImageTransformOptions {
  /** Longest side in pixels: a larger image is scaled down to it (EXIF orientation applied first). */
  maxDimension?: number;
  /** Encoder quality for JPEG and WebP, 0–1. Default 0.85. */
  quality?: number;
  /** The type to encode to (`image/jpeg`, `image/png`, `image/webp`); default the file's own. */
  type?: string;
}

/** The types decoded and encoded again; others (GIF, SVG, AVIF, HEIC, …) always go as they are. */
export const IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * The controller's `transform` for these options, or undefined when they ask for nothing (neither
 * a largest side nor a type). Files of other types are left alone without loading anything.
 */
export function imageTransform(options: ImageTransformOptions): ((file: File, signal: AbortSignal) => Promise<File | undefined>) | undefined {
  if (!options.maxDimension && !options.type) return undefined;
  return async (file, signal) => {
    if (!IMAGE_TYPES.includes(file.type.toLowerCase())) return undefined;
    const { transformImage } = await import('./image.js');
    const out = await transformImage(file, options, signal);
    // Still the folder's file: the same path, with the new name.
    return out && file.webkitRelativePath ? withPath(out, file.webkitRelativePath.replace(/[^/]*$/, out.name)) : out;
  };
}

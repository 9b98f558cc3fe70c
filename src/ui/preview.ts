// What the preview cell at the start of a row shows: the file's icon, replaced by a thumbnail once
// an image is decoded (src/ui/preview-thumbnail.ts, loaded on the first image). Loaded by the
// element's core with the first row rendered while `previews` is not `none`; the list (./list.ts)
// keeps the cell's place meanwhile. The cell is decorative: the row's name says which file it is.
import { css, type ChildPart, type TemplateResult } from 'lit';
import { AsyncDirective, directive } from 'lit/async-directive.js';
import { fileFamily, fileIcon } from './icons.js';
import type { PreviewSource } from './list.js';

/** The cell's width in CSS pixels when it has no layout yet (it is 40 px unless a page restyles it). */
const CELL = 40;

/** The cells waiting to come near the viewport, and what starts their decode then. */
const waitingForView = new Map<Element, () => void>();
let observer: IntersectionObserver | undefined;

/**
 * Calls `start` once `cell` is within a screen's height of the viewport, so that a long list (a
 * dropped folder) decodes the images its user can see, not every one. Returns the cancel.
 */
function whenNearView(cell: Element, start: () => void): () => void {
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const go = entry.isIntersecting ? waitingForView.get(entry.target) : undefined;
      if (!go) continue;
      observer?.unobserve(entry.target);
      waitingForView.delete(entry.target);
      go();
    }
  }, { rootMargin: '100% 0px' });
  waitingForView.set(cell, start);
  observer.observe(cell);
  return () => {
    observer?.unobserve(cell);
    waitingForView.delete(cell);
  };
}

/** A canvas drawing nothing and holding no pixels. */
function empty(canvas: HTMLCanvasElement): void {
  canvas.width = canvas.height = 0;
}

/**
 * Whether a thumbnail is worth trying: a raster image by type (or, untyped, by extension). SVG is a
 * document that may be any size and run its own requests: it gets the icon. A type the browser
 * cannot decode (HEIC in Chromium) fails and keeps the icon.
 */
function decodable(source: PreviewSource): boolean {
  const type = source.type.toLowerCase();
  return type ? type.startsWith('image/') && !type.includes('svg') : /\.(jpe?g|jfif|png|gif|webp|avif|bmp)$/i.test(source.name);
}

class Preview extends AsyncDirective {
  #canvas?: HTMLCanvasElement;
  #job?: AbortController;
  /** The last arguments, for a restart when the element comes back into the document. */
  #args?: [PreviewSource, boolean];
  #cell?: Element;

  render(source: PreviewSource, _thumbnails: boolean): TemplateResult {
    return fileIcon(fileFamily(source.name, source.type));
  }

  override update(part: ChildPart, [source, thumbnails]: [PreviewSource, boolean]) {
    this.#cell = part.parentNode as Element;
    // The File may change (image downscaling swaps in the smaller one); the picture does not: one decode per row.
    this.#args = [this.#args?.[0].file ? this.#args[0] : source, thumbnails];
    if (!thumbnails) this.#release();
    else if (!this.#job && this.isConnected) this.#start();
    return this.#canvas ?? this.render(source, thumbnails);
  }

  #start(): void {
    const [source, thumbnails] = this.#args ?? [];
    const file = source?.file;
    if (!file || !thumbnails || !decodable(source)) return;
    const job = (this.#job = new AbortController());
    const cell = this.#cell;
    const near = new Promise<void>((resolve) => {
      if (!cell) return resolve();
      job.signal.addEventListener('abort', whenNearView(cell, resolve), { once: true });
    });
    near
      .then(() => import('./preview-thumbnail.js'))
      .then((m) => m.drawThumbnail(file, Math.round((cell?.clientWidth || CELL) * Math.min(globalThis.devicePixelRatio || 1, 3)), job.signal))
      .then((canvas) => {
        if (job.signal.aborted) return empty(canvas);
        canvas.setAttribute('part', 'thumbnail');
        this.#canvas = canvas;
        this.setValue(canvas);
      })
      // Undecodable (a broken or unsupported image) or gone: the icon stays, and #job stays set so it is not tried again.
      .catch(() => undefined);
  }

  /** Stops the decode and frees the thumbnail's pixels: the row left the page or previews were turned down. */
  #release(): void {
    this.#job?.abort();
    this.#job = undefined;
    if (this.#canvas) empty(this.#canvas);
    this.#canvas = undefined;
  }

  protected override disconnected(): void {
    this.#release();
  }

  protected override reconnected(): void {
    // The emptied canvas is still the part's value: the icon until the thumbnail is drawn again.
    if (this.#args) this.setValue(this.render(...this.#args));
    this.#start();
  }
}

/** The cell's content: `preview(source, thumbnails)`; the icon, then with `thumbnails` an image's thumbnail once decoded. */
export const preview = directive(Preview);

/** The thumbnail is letterboxed (contain) to show the image's shape; the icon leaves a margin in its cell. */
export const previewStyles = css`
    [part~='thumbnail'] {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    [part~='file-icon'] {
      width: 60%;
      height: 60%;
    }
`;

// The file list: one row per file (name, size, progress, status or error, the file's actions).
// Pure rendering: the element passes the files, its words and formats, and what each action does.
// The preview cell's content (./preview.ts) loads with the first row: until then the cell is
// there, empty, at its size, so nothing moves when the icon arrives.
import { css, html, nothing } from 'lit';
import type { DirectiveResult } from 'lit/directive.js';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { UploadFileInfo } from '../events.js';
import { errorText, type OssUploadStrings } from '../locales/index.js';
import { fill, fillHtml, fillPieces, type Formats } from './format.js';
import { mark } from './marks.js';
import { UNFINISHED, finishing } from './status.js';

/** The `previews` attribute: thumbnails of images (the default), icons only (nothing decoded), or no preview cell. */
export type PreviewMode = 'thumbnails' | 'icons' | 'none';
export const PREVIEW_MODES: readonly string[] = ['thumbnails', 'icons', 'none'] satisfies PreviewMode[];

/** What a preview cell shows: the file's name and type, and the File itself when the page still holds it. */
export interface PreviewSource {
  name: string;
  type: string;
  file?: Blob;
}

export interface ListContext {
  strings: OssUploadStrings;
  formats: Formats;
  /** The `previews` attribute (thumbnails when unset). */
  previews?: PreviewMode;
  /** The preview cell's content (icon, then thumbnail), once its code is here; the cell is empty until then. */
  preview?: ((source: PreviewSource, thumbnails: boolean) => DirectiveResult) | undefined;
  /** Bytes per second of an uploading file, once measured. */
  rate(id: string): number | undefined;
  pause(id: string): void;
  resume(id: string): void;
  abort(id: string): void;
  retry(id: string): void;
  remove(id: string): void;
}

/** A row's file: its snapshot, and the File itself while the page holds it (not for rows restored after a reload). */
type ListedFile = UploadFileInfo & { readonly file?: Blob };

/** The speed of a file that is sending, once measured. */
const rateOf = (file: UploadFileInfo, c: ListContext) => (file.status === 'uploading' && !finishing(file) ? c.rate(file.id) : undefined);

function renderFile(file: ListedFile, c: ListContext) {
  const s = c.strings;
  const f = c.formats;
  const label = (template: string) => fill(template, { name: file.name });
  const unfinished = UNFINISHED.has(file.status);
  const paused = file.status === 'paused';
  const canRetry = file.status === 'error' || file.status === 'aborted' || file.status === 'skipped';
  const canRemove = !unfinished;
  const rate = rateOf(file, c);
  const status = finishing(file) ? s.finishing : fillHtml(s.status[file.status], { percent: f.percent(file.percent) });
  // Each piece of text is its own bidi paragraph (dir=auto): "19.5 kB" stays in order in an RTL widget.
  return html`<li part="file file-${file.status}" data-status=${file.status} data-key=${file.id} ?data-preview=${c.previews !== 'none'}>
    ${c.previews === 'none' ? nothing : html`<span part="preview" aria-hidden="true">${c.preview?.(file, c.previews !== 'icons') ?? nothing}</span>`}
    <span part="file-name" dir="auto" title=${file.name}>${file.name}</span>
    <bdi part="file-size">${f.bytes(file.size)}</bdi>
    <progress part="progress" max="100" .value=${file.percent} aria-label=${label(s.progressLabel)}></progress>
    ${file.error
      ? html`<span part="error" dir="auto" title=${file.error.message}>${file.status === 'error' ? mark('error') : nothing}${errorText(s, file.error)}</span>`
      : html`<span part="status" dir="auto">${file.status === 'success' ? mark('success') : nothing}${rate
        ? fillPieces(s.statusRate, {
          status: html`${status}`,
          rate: html`<span part="rate">${fillPieces(s.rate, { speed: f.speed(rate), time: f.duration((file.total - file.loaded) / rate) })}</span>`,
        }, ['rate'])
        : status}</span>`}
    <span class="actions">
      ${file.pausable
        ? html`<button part=${paused ? 'resume-button' : 'pause-button'} type="button"
            aria-label=${label(paused ? s.resumeLabel : s.pauseLabel)}
            @click=${() => (paused ? c.resume(file.id) : c.pause(file.id))}><span class="toggle"><span ?data-on=${!paused}>${s.pause}</span><span
            ?data-on=${paused}>${s.resume}</span></span></button>`
        : nothing}
      ${unfinished
        ? html`<button part="cancel-button" type="button" aria-label=${label(s.cancelLabel)} @click=${() => c.abort(file.id)}>${s.cancel}</button>`
        : nothing}
      ${canRetry
        ? html`<button part="retry-button" type="button" aria-label=${label(s.retryLabel)} @click=${() => c.retry(file.id)}>${s.retry}</button>`
        : nothing}
      ${canRemove
        ? html`<button part="remove-button" type="button" aria-label=${label(s.removeLabel)} @click=${() => c.remove(file.id)}>${s.remove}</button>`
        : nothing}
    </span>
  </li>`;
}

/** The list, or nothing while it is empty. */
export function renderFileList(files: readonly ListedFile[], c: ListContext) {
  if (!files.length) return nothing;
  // A row is rendered again only when what it shows changed: one file's progress no longer costs a
  // template for each of a dropped folder's thousand rows (about 20 ms a render at 1,000 rows).
  return html`<ul part="file-list" aria-label=${c.strings.fileListLabel}>${repeat(files, (file) => file.id, (file) => guard(
    [file.status, file.percent, file.loaded, file.error, file.pausable, file.name, file.size, file.file, c.strings, c.formats, c.previews, c.preview,
      rateOf(file, c)],
    () => renderFile(file, c),
  ))}</ul>`;
}

// Why the list looks as it does (the CSS goes to the page as it stands, so the reasons are here):
// - The list is a size container: rows lay out by the list's width (the widget may sit in a narrow
//   column); under 26em the buttons get a line of their own and the size goes beside the bar, so
//   the name and the status keep the row's width and the status never runs under the buttons.
// - A status's pieces (the status, the speed, the time left: format.ts fillPieces) are inline
//   blocks, so a narrow row breaks its line between them, never inside one ("4 sec" / "left"); one
//   wider than the whole line still wraps inside its words (overflow-wrap) rather than stick out,
//   its mark (" ·") kept on the line before. The summary's speed and time left build on these rules too.
// - A progress bar's outline carries its non-text contrast (3:1 on the background); the value has
//   3:1 on the track. `progress`, not a part, so that every bar of the widget follows (the summary's too).
// - The file and note buttons never shrink (their 24px min-width replaces a flex item's auto
//   minimum, so a word would spill out of its button): they wrap to another line instead.
// - The pause/resume button holds both words in one cell, so it keeps its width when it toggles.
// - Forced colours repaint an appearance:none bar's value with Canvas, like its track: the value
//   opts out and takes Highlight.
// - Progress bars do not animate their width: with progress every ~100 ms the bar was always in a
//   transition, ~40 frames a second of layout and paint during an upload (measured: 3-4 s of renderer
//   CPU per GiB, on 2 cores taken from the upload itself).
// - The preview cell sits in the row's start padding, not in its grid, so the grid's areas and the
//   narrow layout stay as they are.
/** The list's sheet (also the ✓/✗ marks, the preview cell's box, and the private colours the notes and the summary use). */
export const listStyles = css`
    :host {
      --_divider: var(--oss-upload-divider-color, light-dark(#dadce0, #3c4043));
      --_bg: var(--oss-upload-background, light-dark(#fff, #202124));
      --_track: var(--oss-upload-progress-track-color, light-dark(#e3e6ea, #3c4043));
      --_success: var(--oss-upload-success-color, light-dark(#137333, #81c995));
      --_error: var(--oss-upload-error-color, light-dark(#c5221f, #f28b82));
      --_preview-size: var(--oss-upload-preview-size, 40px);
    }
    [part~='file-list'] {
      list-style: none;
      margin: var(--_space) 0 0;
      padding: 0;
      border: 1px solid var(--_divider);
      border-radius: var(--_radius);
      background: var(--_bg);
      container-type: inline-size;
    }
    [part~='file'] {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto;
      grid-template-areas:
        'name size'
        'progress progress'
        'status actions';
      align-items: center;
      column-gap: var(--_space);
      row-gap: 6px;
      padding: calc(var(--_space) * 0.75) var(--_space);
    }
    @container (max-width: 26em) {
      [part~='file'] {
        grid-template-areas:
          'name name'
          'progress size'
          'status status'
          'actions actions';
      }
    }
    [part~='file'] + [part~='file'] {
      border-top: 1px solid var(--_divider);
    }
    [part~='file-name'] {
      grid-area: name;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      font-weight: 500;
    }
    [part~='file-size'] {
      grid-area: size;
      justify-self: end;
      white-space: nowrap;
      color: var(--_muted);
      font-size: 0.875em;
      font-variant-numeric: tabular-nums;
    }
    [part~='progress'] {
      grid-area: progress;
    }
    progress {
      --_value: var(--_accent);
      width: 100%;
      height: 8px;
      appearance: none;
      border: 1px solid var(--_border);
      border-radius: 4px;
      overflow: hidden;
      background: var(--_track);
      color: var(--_value);
    }
    progress::-webkit-progress-bar {
      background: var(--_track);
    }
    progress::-webkit-progress-value {
      background: var(--_value);
    }
    progress::-moz-progress-bar {
      background: var(--_value);
    }
    [data-status='success'] progress {
      --_value: var(--_success);
    }
    [data-status='error'] progress,
    [data-status='aborted'] progress,
    [data-status='paused'] progress {
      --_value: var(--_muted);
    }
    [part~='status'],
    [part~='error'] {
      grid-area: status;
      min-width: 0;
      overflow-wrap: anywhere;
      font-size: 0.875em;
      color: var(--_muted);
    }
    [data-status='success'] [part~='status'] {
      color: var(--_success);
    }
    [part~='error'] {
      color: var(--_error);
    }
    .actions {
      grid-area: actions;
      display: flex;
      flex-wrap: wrap;
      justify-content: flex-end;
      gap: 6px;
    }
    .actions button,
    [part~='dismiss-button'] {
      flex: none;
      font-size: 0.875em;
      padding: 0.25em 0.7em;
      border: 1px solid var(--_border);
      background: transparent;
      color: inherit;
    }
    .actions button:hover,
    [part~='dismiss-button']:hover {
      border-color: var(--_accent);
      color: var(--_accent);
    }
    .toggle {
      display: inline-grid;
    }
    .piece {
      display: inline-block;
    }
    .sep {
      white-space: nowrap;
    }
    .toggle > span {
      grid-area: 1 / 1;
    }
    .toggle > span:not([data-on]) {
      visibility: hidden;
    }
    [part~='file'][data-preview] {
      position: relative;
      padding-inline-start: calc(var(--_space) * 2 + var(--_preview-size));
    }
    [part~='preview'] {
      position: absolute;
      inset-inline-start: var(--_space);
      top: calc(50% - var(--_preview-size) / 2);
      display: flex;
      align-items: center;
      justify-content: center;
      width: var(--_preview-size);
      height: var(--_preview-size);
      overflow: hidden;
      border-radius: calc(var(--_radius) * 0.5);
      background: var(--oss-upload-preview-background, light-dark(#f1f3f4, #303134));
      color: var(--oss-upload-preview-color, var(--_muted));
    }
    [part~='mark'] {
      width: 1.1em;
      height: 1.1em;
      margin-inline-end: 0.3em;
      vertical-align: -0.2em;
      stroke-width: 2.5;
    }
    @media (forced-colors: active) {
      progress::-webkit-progress-value {
        forced-color-adjust: none;
        background: Highlight;
      }
      progress::-moz-progress-bar {
        forced-color-adjust: none;
        background: Highlight;
      }
    }
`;

// The file list: one row per file (name, size, progress, status or error, the file's actions).
// Pure rendering: the element passes the files, its words and formats, and what each action does.
import { html, nothing } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { UploadFileInfo } from '../events.js';
import { errorText, type OssUploadStrings } from '../locales/index.js';
import { fill, fillHtml, type Formats } from './format.js';
import { mark } from './icons.js';
import { renderPreview, type PreviewMode } from './preview.js';

export interface ListContext {
  strings: OssUploadStrings;
  formats: Formats;
  /** The `previews` attribute (thumbnails when unset). */
  previews?: PreviewMode;
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

function renderFile(file: ListedFile, c: ListContext) {
  const s = c.strings;
  const f = c.formats;
  const label = (template: string) => fill(template, { name: file.name });
  const unfinished = file.status === 'queued' || file.status === 'uploading' || file.status === 'paused' || file.status === 'retrying';
  const paused = file.status === 'paused';
  const canRetry = file.status === 'error' || file.status === 'aborted' || file.status === 'skipped';
  const canRemove = !unfinished;
  const rate = file.status === 'uploading' ? c.rate(file.id) : undefined;
  // Each piece of text is its own bidi paragraph (dir=auto): "19.5 kB" stays in order in an RTL widget.
  return html`<li part="file file-${file.status}" data-status=${file.status} data-key=${file.id} ?data-preview=${c.previews !== 'none'}>
    ${renderPreview(file, c.previews)}
    <span part="file-name" dir="auto" title=${file.name}>${file.name}</span>
    <bdi part="file-size">${f.bytes(file.size)}</bdi>
    <progress part="progress" max="100" .value=${file.percent} aria-label=${label(s.progressLabel)}></progress>
    ${file.error
      ? html`<span part="error" dir="auto" title=${file.error.message}>${file.status === 'error' ? mark('error') : nothing}${errorText(s, file.error)}</span>`
      : html`<span part="status" dir="auto">${file.status === 'success' ? mark('success') : nothing}${fillHtml(s.status[file.status], { percent: f.percent(file.percent) })}${rate
        ? html` <span part="rate">${fillHtml(s.rate, { speed: f.speed(rate), time: f.duration((file.total - file.loaded) / rate) })}</span>`
        : nothing}</span>`}
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
    [file.status, file.percent, file.loaded, file.error, file.pausable, file.name, file.size, file.file, c.strings, c.formats, c.previews,
      file.status === 'uploading' ? c.rate(file.id) : undefined],
    () => renderFile(file, c),
  ))}</ul>`;
}

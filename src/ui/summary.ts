// The batch summary (a part of its own, above the file list): the batch's progress bar, "3 of 10
// files", and its speed and time left — smoothed over the batch's bytes (rate.ts BatchMeter), shown
// only once they mean something. Hidden for a batch of one file (its row says it all); when a batch
// ends it says how it went ("9 files uploaded · 1 failed") until the next batch starts or its files
// leave the list, because in a long list a failure is easy to miss. Not a live region: the element
// announces outcomes already, and a summary that spoke at each tick would drown them. Loaded by
// the element's core when a batch first has two files (with its meter, ./rate.ts).
import { css, html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { BatchProgress, OssUploadCompleteEvent, UploadFileInfo } from '../events.js';
import type { OssUploadStrings } from '../locales/index.js';
import { fillHtml, fillPieces, type Formats } from './format.js';
import { UNFINISHED, finishing } from './status.js';
import { BatchMeter, type BatchEstimate } from './rate.js';

/** Fewest files in a batch for the summary to show: one file's row already has its own progress and speed. */
const FEWEST_FILES = 2;

/**
 * What the summary shows: a batch under way (`uploading`, or `paused` while every unfinished file
 * is), or the last one's outcome. `finishing`: every unfinished file has sent every byte, and OSS's
 * answers are what is left (the rows say "Finishing…" then too).
 */
export type SummaryView =
  | { state: 'uploading' | 'paused'; batch: BatchProgress; estimate?: BatchEstimate; finishing?: boolean }
  | { state: 'done'; uploaded: number; failed: number };

/** The summary, or nothing. Pure: the element's words and formats in, a template out. */
export function renderSummary(view: SummaryView | undefined, s: OssUploadStrings, f: Formats) {
  if (!view) return nothing;
  if (view.state === 'done') {
    const uploaded = fillHtml(f.plural(s.batchUploaded, view.uploaded), { count: f.count(view.uploaded) });
    return html`<div part="summary summary-done">
      <span part="summary-text" dir="auto">${uploaded}</span>
      ${view.failed ? html`<span part="summary-failed" dir="auto">${fillHtml(f.plural(s.batchFailed, view.failed), { count: f.count(view.failed) })}</span>` : nothing}
    </div>`;
  }
  const b = view.batch;
  const e = view.estimate;
  const seconds = e ? Math.max(1, Math.ceil(e.seconds)) : 0;
  return html`<div part="summary summary-${view.state}">
    <progress part="summary-progress" max="100" .value=${b.percent} aria-label=${s.batchProgressLabel}></progress>
    <span part="summary-text" dir="auto">${fillHtml(f.plural(s.batchFiles, b.files), { done: f.count(b.done), total: f.count(b.files) })}</span>
    <bdi part="summary-percent">${f.percent(b.percent)}</bdi>
    ${view.state === 'paused'
      ? html`<span part="summary-rate" dir="auto">${fillHtml(s.status.paused, { percent: f.percent(b.percent) })}</span>`
      : view.finishing
        ? html`<span part="summary-rate" dir="auto">${s.finishing}</span>`
        : e
        ? html`<span part="summary-rate" dir="auto">${fillPieces(s.rate, {
          speed: f.speed(e.rate),
          // The seconds in machine form too (ISO 8601), for scripts and tests; the words round them.
          time: html`<time datetime=${`PT${seconds}S`}>${f.duration(seconds)}</time>`,
        })}</span>`
        : nothing}
  </div>`;
}

/** What the summary reads: the controller's batch totals and its `oss-upload-complete`. */
export interface SummarySource extends EventTarget {
  readonly batch: BatchProgress;
}

/**
 * Keeps the summary's state for an element: samples the batch at each render of its host (every
 * progress renders), remembers the files of the batch that ended, and renders again when the
 * speed goes stale without news (a stalled link sends no progress to render on).
 */
export class BatchSummary implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #source: SummarySource;
  /** The files as this render shows them (the element's one snapshot per render). */
  readonly #files: () => readonly UploadFileInfo[];
  readonly #meter = new BatchMeter();
  /** The files of the last batch that ended with at least two files; cleared when another starts. */
  #ended?: ReadonlySet<string>;
  #running = false;
  #view?: SummaryView;
  #timer?: ReturnType<typeof setTimeout>;

  constructor(host: ReactiveControllerHost, source: SummarySource, files: () => readonly UploadFileInfo[]) {
    this.#host = host;
    this.#source = source;
    this.#files = files;
    host.addController(this);
  }

  hostConnected(): void {
    this.#source.addEventListener('oss-upload-complete', this.#handleComplete);
  }

  hostDisconnected(): void {
    this.#source.removeEventListener('oss-upload-complete', this.#handleComplete);
    clearTimeout(this.#timer);
  }

  hostUpdate(): void {
    this.#view = this.#sample();
  }

  hostUpdated(): void {
    clearTimeout(this.#timer);
    const stale = this.#view?.state === 'uploading' && this.#view.estimate ? this.#meter.staleIn() : undefined;
    if (stale !== undefined) this.#timer = setTimeout(() => this.#host.requestUpdate(), stale + 50);
  }

  render(s: OssUploadStrings, f: Formats) {
    return renderSummary(this.#view, s, f);
  }

  /** A batch ended: its outcome shows until the next starts (also one that ended while this code was on its way). */
  ended(detail: OssUploadCompleteEvent['detail']): void {
    const ids = new Set([...detail.successful, ...detail.failed, ...detail.aborted].map((file) => file.id));
    this.#ended = ids.size >= FEWEST_FILES ? ids : undefined;
    this.#host.requestUpdate(); // the last file's render may have come before the batch ended
  }

  readonly #handleComplete = (event: Event): void => {
    this.ended((event as OssUploadCompleteEvent).detail);
  };

  #sample(): SummaryView | undefined {
    const batch = this.#source.batch;
    const files = this.#files();
    if (batch.files === 0) {
      if (this.#running) this.#meter.reset();
      this.#running = false;
      return this.#outcome(files);
    }
    if (!this.#running) {
      this.#running = true;
      this.#ended = undefined; // a new batch: the last one's outcome is history
      this.#meter.reset();
    }
    // Paused files are never outside a batch; the rest of the batch is waiting, running or done.
    const held = files.some((file) => file.status === 'paused')
      && !files.some((file) => file.status === 'queued' || file.status === 'uploading' || file.status === 'retrying');
    this.#meter.note(batch.loaded, held);
    if (batch.files < FEWEST_FILES) return undefined;
    if (held) return { state: 'paused', batch };
    // What is left to send is the unfinished files' bytes: a failed file's unsent bytes stay in the
    // batch's totals (its bar and percentage) but will not go.
    let left = 0;
    let unfinished = 0;
    let allFinishing = true;
    for (const file of files) {
      if (!UNFINISHED.has(file.status)) continue;
      unfinished++;
      left += Math.max(0, file.total - file.loaded);
      if (!finishing(file)) allFinishing = false;
    }
    // Every byte out: what is left is OSS's answer, not a matter of speed (the rows say "Finishing…" too).
    if (unfinished > 0 && allFinishing) return { state: 'uploading', batch, finishing: true };
    const estimate = left > 0 ? this.#meter.estimate(left) : undefined;
    return { state: 'uploading', batch, ...(estimate ? { estimate } : {}) };
  }

  /** The last batch's outcome, counted from the list as it is now (a removed file no longer counts). */
  #outcome(files: readonly UploadFileInfo[]): SummaryView | undefined {
    const ended = this.#ended;
    if (!ended) return undefined;
    let uploaded = 0;
    let failed = 0;
    for (const file of files) {
      if (!ended.has(file.id)) continue;
      if (file.status === 'success') uploaded++;
      else if (file.status === 'error') failed++;
    }
    return uploaded + failed ? { state: 'done', uploaded, failed } : undefined;
  }
}

export const summaryStyles = css`
    [part~='summary'] {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      column-gap: var(--_space);
      row-gap: 6px;
      margin: var(--_space) 0 0;
      padding: calc(var(--_space) * 0.75) var(--_space);
      border: 1px solid var(--_divider);
      border-radius: var(--_radius);
      background: var(--_bg);
      font-size: 0.875em;
      color: var(--_muted);
    }
    [part~='summary-progress'] {
      flex: 1 0 100%;
    }
    [part~='summary-paused'] progress {
      --_value: var(--_muted);
    }
    [part~='summary-text'] {
      color: var(--_text);
      font-weight: 500;
    }
    [part~='summary-percent'],
    [part~='summary-rate'] {
      font-variant-numeric: tabular-nums;
    }
    [part~='summary-rate'] {
      margin-inline-start: auto;
    }
    [part~='summary-failed'] {
      color: var(--_error);
    }
`;

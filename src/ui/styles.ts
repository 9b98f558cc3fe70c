// The element's stylesheet: every colour a custom property (documented on the class in
// src/oss-upload.ts), every piece a part. The page downloads this text as it stands (comments
// too), so the reasons are here rather than in the CSS:
// - Light and dark from one set of rules: each default is a light-dark() pair, resolved by the
//   host's color-scheme (the system's, or the `theme` attribute's).
// - Each --oss-upload-* is read once, on :host, into a private --_* that the rules use.
// - The file list is a size container: rows lay out by the list's width (the widget may sit in a
//   narrow column); under 26em the buttons get a line of their own and the size goes beside the bar,
//   so the name and the status keep the row's width and the status never runs under the buttons.
// - A progress bar's outline carries its non-text contrast (3:1 on the background); the value has
//   3:1 on the track. `progress`, not a part, so that every bar of the widget follows.
// - A note's Dismiss button goes below its text when the text would get under 12em.
// - The file and note buttons never shrink (their 24px min-width replaces a flex item's auto
//   minimum, so a word would spill out of its button): they wrap to another line instead.
// - The Dismiss button's border is the note's own colour: the grey border has under 3:1 on the tint.
// - Files over the drop zone make its border solid: a cue that is not a colour (forced colours repaint those).
// - The notes set their own text colour: an inherited one vanished on their background.
// - The pause/resume button holds both words in one cell, so it keeps its width when it toggles.
// - Forced colours repaint an appearance:none bar's value with Canvas, like its track: the value
//   opts out and takes Highlight. The choose button names ButtonText: its text fill (what axe reads)
//   otherwise keeps the dark scheme's dark on-accent colour.
// - Progress bars do not animate their width: with progress every ~100 ms the bar was always in a
//   transition, ~40 frames a second of layout and paint during an upload (measured: 3-4 s of renderer
//   CPU per GiB, on 2 cores taken from the upload itself).
// - Reduced motion: !important, so that a transition added later (or from a part) stops too.
// - The preview cell sits in the row's start padding, not in its grid, so the grid's areas and the
//   narrow layout stay as they are; a thumbnail is letterboxed (contain) to show the image's shape.
import { css } from 'lit';

export const styles = css`
    :host {
      --_text: var(--oss-upload-text-color, light-dark(#202124, #e8eaed));
      --_muted: var(--oss-upload-muted-color, light-dark(#5f6368, #9aa0a6));
      --_accent: var(--oss-upload-accent-color, light-dark(#1a73e8, #8ab4f8));
      --_on-accent: var(--oss-upload-button-text-color, light-dark(#fff, #202124));
      --_border: var(--oss-upload-border-color, #80868b);
      --_divider: var(--oss-upload-divider-color, light-dark(#dadce0, #3c4043));
      --_bg: var(--oss-upload-background, light-dark(#fff, #202124));
      --_zone: var(--oss-upload-dropzone-background, light-dark(#f8f9fa, #292a2d));
      --_track: var(--oss-upload-progress-track-color, light-dark(#e3e6ea, #3c4043));
      --_success: var(--oss-upload-success-color, light-dark(#137333, #81c995));
      --_error: var(--oss-upload-error-color, light-dark(#c5221f, #f28b82));
      --_space: var(--oss-upload-spacing, 12px);
      --_radius: var(--oss-upload-radius, 8px);
      display: block;
      color-scheme: light dark;
      color: var(--_text);
      font-family: var(--oss-upload-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
      line-height: 1.4;
    }
    :host([theme='light']) {
      color-scheme: light;
    }
    :host([theme='dark']) {
      color-scheme: dark;
    }
    :host([hidden]) {
      display: none;
    }
    * {
      box-sizing: border-box;
    }
    [part~='dropzone'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: center;
      gap: var(--_space);
      padding: calc(var(--_space) * 1.75) var(--_space);
      border: 2px dashed var(--_border);
      border-radius: var(--_radius);
      background: var(--_zone);
      cursor: pointer;
      text-align: center;
      transition: background-color 0.15s, border-color 0.15s;
    }
    [part~='dropzone'][data-dragover] {
      border-style: solid;
      border-color: var(--_accent);
      background: var(--oss-upload-dragover-background, light-dark(#e8f0fe, #1d3557));
    }
    :host([disabled]) [part~='dropzone'],
    :host(:disabled) [part~='dropzone'] {
      cursor: not-allowed;
      opacity: 0.6;
    }
    button {
      font: inherit;
      min-width: 24px;
      min-height: 24px;
      border-radius: calc(var(--_radius) * 0.75);
      cursor: pointer;
    }
    button:disabled {
      cursor: not-allowed;
    }
    button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
    [part~='button'] {
      font-weight: 600;
      padding: 0.5em 1.1em;
      border: 1px solid transparent;
      background: var(--_accent);
      color: var(--_on-accent);
    }
    [part~='button']:hover:not(:disabled) {
      filter: brightness(1.08);
    }
    [part~='hint'] {
      color: var(--_muted);
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
    .toggle > span {
      grid-area: 1 / 1;
    }
    .toggle > span:not([data-on]) {
      visibility: hidden;
    }
    [part~='rejections'] {
      list-style: none;
      display: grid;
      gap: 6px;
      margin: var(--_space) 0 0;
      padding: 0;
    }
    [part~='rejection'] {
      display: flex;
      flex-wrap: wrap;
      justify-content: flex-end;
      align-items: center;
      gap: var(--_space);
      padding: calc(var(--_space) * 0.5) var(--_space);
      border-inline-start: 3px solid var(--_error);
      border-radius: calc(var(--_radius) * 0.5);
      background: var(--oss-upload-error-background, light-dark(#fce8e6, #3b1f1e));
      color: var(--_error);
    }
    [part~='rejection-text'] {
      flex: 1 1 12em;
      min-width: 0;
      overflow-wrap: anywhere;
      font-size: 0.875em;
    }
    [part~='dismiss-button'] {
      border-color: currentColor;
    }
    .sr-only {
      position: absolute;
      width: 1px;
      height: 1px;
      margin: -1px;
      padding: 0;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
      border: 0;
    }
    @media (pointer: coarse) {
      button {
        min-width: 44px;
        min-height: 44px;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      *,
      progress::-webkit-progress-value {
        transition: none !important;
        animation: none !important;
      }
    }
    @media (forced-colors: active) {
      [part~='button'] {
        border-color: ButtonText;
        color: ButtonText;
      }
      button:focus-visible {
        outline-color: Highlight;
      }
      progress::-webkit-progress-value {
        forced-color-adjust: none;
        background: Highlight;
      }
      progress::-moz-progress-bar {
        forced-color-adjust: none;
        background: Highlight;
      }
    }
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
    :host {
      --_preview-size: var(--oss-upload-preview-size, 40px);
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
    [part~='mark'] {
      width: 1.1em;
      height: 1.1em;
      margin-inline-end: 0.3em;
      vertical-align: -0.2em;
      stroke-width: 2.5;
    }
`;

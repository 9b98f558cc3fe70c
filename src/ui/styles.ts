// The element's stylesheet at page load: the host, the drop zone, the button, the hint, the live
// region. Every colour a custom property (documented on the class in src/oss-upload.ts), every
// piece a part. What only shows once files exist is styled by the chunk that renders it, adopted
// into the shadow root after this sheet when that chunk loads (src/element/core.ts): the file list
// (./list.ts), the notes about refused files (./rejections.ts), the batch summary (./summary.ts),
// the thumbnails and icons (./preview.ts). The page downloads this text as it stands (comments
// too), so the reasons are here rather than in the CSS:
// - Light and dark from one set of rules: each default is a light-dark() pair, resolved by the
//   host's color-scheme (the system's, or the `theme` attribute's).
// - Each --oss-upload-* is read once, on :host, into a private --_* that the rules use (those only
//   the list and its neighbours use are read by the list's sheet).
// - Files over the drop zone make its border solid: a cue that is not a colour (forced colours repaint those).
// - Forced colours: the choose button names ButtonText: its text fill (what axe reads) otherwise
//   keeps the dark scheme's dark on-accent colour.
// - Reduced motion: !important, so that a transition added later (or from a part) stops too.
import { css } from 'lit';

export const styles = css`
    :host {
      --_text: var(--oss-upload-text-color, light-dark(#202124, #e8eaed));
      --_muted: var(--oss-upload-muted-color, light-dark(#5f6368, #9aa0a6));
      --_accent: var(--oss-upload-accent-color, light-dark(#1a73e8, #8ab4f8));
      --_on-accent: var(--oss-upload-button-text-color, light-dark(#fff, #202124));
      --_border: var(--oss-upload-border-color, #80868b);
      --_zone: var(--oss-upload-dropzone-background, light-dark(#f8f9fa, #292a2d));
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
    }
`;

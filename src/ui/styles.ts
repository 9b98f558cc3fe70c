// The element's stylesheet: every colour a custom property (documented on the class in
// src/oss-upload.ts), every piece a part.
import { css } from 'lit';

export const styles = css`
    :host {
      display: block;
      color: var(--oss-upload-text-color, inherit);
      font-family: var(--oss-upload-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
      line-height: 1.4;
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
      gap: var(--oss-upload-spacing, 12px);
      padding: calc(var(--oss-upload-spacing, 12px) * 1.75) var(--oss-upload-spacing, 12px);
      border: 2px dashed var(--oss-upload-border-color, #c4c7cc);
      border-radius: var(--oss-upload-radius, 8px);
      background: var(--oss-upload-dropzone-background, #f8f9fa);
      cursor: pointer;
      text-align: center;
      transition: background-color 0.15s, border-color 0.15s;
    }
    [part~='dropzone'][data-dragover] {
      border-color: var(--oss-upload-accent-color, #1a73e8);
      background: var(--oss-upload-dragover-background, #e8f0fe);
    }
    :host([disabled]) [part~='dropzone'],
    :host(:disabled) [part~='dropzone'] {
      cursor: not-allowed;
      opacity: 0.6;
    }
    [part~='button'] {
      font: inherit;
      font-weight: 600;
      padding: 0.5em 1.1em;
      border: 1px solid transparent;
      border-radius: calc(var(--oss-upload-radius, 8px) * 0.75);
      background: var(--oss-upload-accent-color, #1a73e8);
      color: var(--oss-upload-button-text-color, #fff);
      cursor: pointer;
    }
    [part~='button']:hover:not(:disabled) {
      filter: brightness(1.08);
    }
    [part~='button']:disabled {
      cursor: not-allowed;
    }
    button:focus-visible {
      outline: 2px solid var(--oss-upload-accent-color, #1a73e8);
      outline-offset: 2px;
    }
    [part~='hint'] {
      color: var(--oss-upload-muted-color, #5f6368);
    }
    [part~='file-list'] {
      list-style: none;
      margin: var(--oss-upload-spacing, 12px) 0 0;
      padding: 0;
      border: 1px solid var(--oss-upload-border-color, #c4c7cc);
      border-radius: var(--oss-upload-radius, 8px);
      background: var(--oss-upload-background, transparent);
    }
    [part~='file'] {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto;
      grid-template-areas:
        'name size'
        'progress progress'
        'status actions';
      align-items: center;
      column-gap: var(--oss-upload-spacing, 12px);
      row-gap: 6px;
      padding: calc(var(--oss-upload-spacing, 12px) * 0.75) var(--oss-upload-spacing, 12px);
    }
    [part~='file'] + [part~='file'] {
      border-top: 1px solid var(--oss-upload-border-color, #c4c7cc);
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
      color: var(--oss-upload-muted-color, #5f6368);
      font-size: 0.875em;
      font-variant-numeric: tabular-nums;
    }
    [part~='progress'] {
      grid-area: progress;
      width: 100%;
      height: 6px;
      appearance: none;
      border: 0;
      border-radius: 3px;
      overflow: hidden;
      background: var(--oss-upload-progress-track-color, #e3e6ea);
      color: var(--oss-upload-accent-color, #1a73e8);
    }
    [part~='progress']::-webkit-progress-bar {
      background: var(--oss-upload-progress-track-color, #e3e6ea);
    }
    [part~='progress']::-webkit-progress-value {
      background: var(--oss-upload-accent-color, #1a73e8);
      transition: width 0.2s;
    }
    [part~='progress']::-moz-progress-bar {
      background: var(--oss-upload-accent-color, #1a73e8);
    }
    [data-status='success'] [part~='progress']::-webkit-progress-value {
      background: var(--oss-upload-success-color, #137333);
    }
    [data-status='success'] [part~='progress']::-moz-progress-bar {
      background: var(--oss-upload-success-color, #137333);
    }
    [data-status='error'] [part~='progress']::-webkit-progress-value,
    [data-status='aborted'] [part~='progress']::-webkit-progress-value,
    [data-status='paused'] [part~='progress']::-webkit-progress-value {
      background: var(--oss-upload-muted-color, #5f6368);
    }
    [data-status='paused'] [part~='progress']::-moz-progress-bar {
      background: var(--oss-upload-muted-color, #5f6368);
    }
    [part~='status'],
    [part~='error'] {
      grid-area: status;
      font-size: 0.875em;
      color: var(--oss-upload-muted-color, #5f6368);
    }
    [data-status='success'] [part~='status'] {
      color: var(--oss-upload-success-color, #137333);
    }
    [part~='error'] {
      color: var(--oss-upload-error-color, #c5221f);
    }
    .actions {
      grid-area: actions;
      display: flex;
      justify-content: flex-end;
      gap: 6px;
    }
    .actions button,
    [part~='dismiss-button'] {
      font: inherit;
      font-size: 0.875em;
      padding: 0.25em 0.7em;
      border: 1px solid var(--oss-upload-border-color, #c4c7cc);
      border-radius: calc(var(--oss-upload-radius, 8px) * 0.75);
      background: transparent;
      color: inherit;
      cursor: pointer;
    }
    .actions button:hover,
    [part~='dismiss-button']:hover {
      border-color: var(--oss-upload-accent-color, #1a73e8);
      color: var(--oss-upload-accent-color, #1a73e8);
    }
    /* Both words of the pause/resume button take the same cell, so it keeps the wider one's width when it toggles. */
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
      margin: var(--oss-upload-spacing, 12px) 0 0;
      padding: 0;
    }
    [part~='rejection'] {
      display: flex;
      align-items: center;
      gap: var(--oss-upload-spacing, 12px);
      padding: calc(var(--oss-upload-spacing, 12px) * 0.5) var(--oss-upload-spacing, 12px);
      border-inline-start: 3px solid var(--oss-upload-error-color, #c5221f);
      border-radius: calc(var(--oss-upload-radius, 8px) * 0.5);
      background: var(--oss-upload-error-background, #fce8e6);
      /* The note's own colours, not the page's: on a dark page an inherited light colour vanished on this background. */
      color: var(--oss-upload-error-color, #c5221f);
    }
    [part~='rejection-text'] {
      flex: 1;
      min-width: 0;
      overflow-wrap: anywhere;
      font-size: 0.875em;
      color: var(--oss-upload-error-color, #c5221f);
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
`;

// The notes about files that were not added: one per file, in the user's language, stating the
// rule broken and its limit ("photo.png is larger than 10 MB"), each with its close button. They
// describe the latest choice: a new one replaces them. The element announces the same sentences
// once through its live region; the list itself is not live, so nothing is read twice. Loaded by
// the element's core with the first refusal; its sheet is adopted after the list's.
import { css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { RejectedFile } from '../events.js';
import type { OssUploadStrings, RejectionRule } from '../locales/index.js';
import { fill, fillHtml, type Formats, type Values } from './format.js';

export interface RejectionNote {
  /** Unique within the element: the row key that focus management follows. */
  key: string;
  name: string;
  rule: RejectionRule;
  code: RejectedFile['code'];
  limit?: number;
  /** The `accept` tokens in force, for `wrong-type`. */
  types?: string[];
}

let counter = 0;

/** The rules whose limit is a size; the others count (files, folder levels). */
const SIZES: ReadonlySet<RejectedFile['code']> = new Set(['too-large', 'too-small', 'too-large-for-strategy']);

/** Notes for one `oss-upload-reject`; `multiple` and `accept` as they were when the files were checked. */
export function notesFor(files: readonly RejectedFile[], options: { multiple: boolean; maxFiles?: number; accept?: string }): RejectionNote[] {
  const types = (options.accept ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  return files.map((f) => {
    const oneAtATime = f.code === 'too-many-files' && !options.multiple && f.limit === 1 && options.maxFiles !== 1;
    const rule = oneAtATime ? 'one-at-a-time' : f.code === 'folder-empty' && !f.name ? 'chosen-folder-empty' : f.code;
    const note: RejectionNote = { key: `note-${++counter}`, name: f.name, rule, code: f.code };
    if (f.limit !== undefined) note.limit = f.limit;
    if (f.code === 'wrong-type' && types.length) note.types = types;
    return note;
  });
}

/** The note's template and values; a rule whose limit is unknown falls back to "name: the code's sentence". */
function parts(note: RejectionNote, s: OssUploadStrings, f: Formats): { template: string; values: Values } {
  const text = s.rejections[note.rule];
  const template = text === undefined ? undefined : f.plural(text, note.limit ?? 0);
  const values: Values = { name: note.name };
  if (note.limit !== undefined) values['limit'] = SIZES.has(note.code) ? f.bytes(note.limit) : f.count(note.limit);
  if (note.types) values['types'] = f.list(note.types);
  const complete = template !== undefined && [...template.matchAll(/\{(\w+)\}/g)].every((m) => m[1]! in values);
  if (!complete) return { template: '{name}: {error}', values: { name: note.name, error: s.errors[note.code] ?? s.errors.unknown } };
  return { template, values };
}

/** The note as one plain sentence (the live region). */
export function noteText(note: RejectionNote, s: OssUploadStrings, f: Formats): string {
  const { template, values } = parts(note, s, f);
  return fill(template, values);
}

/** The list of notes, or nothing when there is none. */
export function renderNotes(notes: readonly RejectionNote[], s: OssUploadStrings, f: Formats, dismiss: (key: string) => void) {
  if (!notes.length) return nothing;
  return html`<ul part="rejections" aria-label=${s.rejectionsLabel}>${repeat(notes, (n) => n.key, (n) => {
    const { template, values } = parts(n, s, f);
    // A note without a name (an empty folder chosen) is its choice's only note: "Dismiss" alone says which.
    return html`<li part="rejection" data-key=${n.key}>
      <span part="rejection-text" dir="auto">${fillHtml(template, values)}</span>
      <button part="dismiss-button" type="button" aria-label=${n.name ? fill(s.dismissLabel, { name: n.name }) : nothing}
        @click=${() => dismiss(n.key)}>${s.dismiss}</button>
    </li>`;
  })}</ul>`;
}

// - A note's Dismiss button goes below its text when the text would get under 12em.
// - The Dismiss button's border is the note's own colour: the grey border has under 3:1 on the tint.
//   (Its other looks are the row buttons', in the list's sheet, which comes before this one.)
// - The notes set their own text colour: an inherited one vanished on their background.
export const rejectionStyles = css`
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
`;

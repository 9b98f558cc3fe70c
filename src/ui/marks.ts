// The ✓ and ✗ beside a finished row's status, and the inline-SVG glyph every icon of the list is
// drawn with. Apart from the file icons (./icons.ts, loaded with the previews): a row shows its mark
// also with previews="none", so the marks come with the file list, and they weigh a few bytes.
// Decorative (aria-hidden): the status text says it. One 24×24 viewBox, strokes in currentColor, so
// each glyph is a single path string and follows the text colour (also in forced colours).
import { html } from 'lit';

const MARKS = { success: 'M5 12.5l4.5 4.5L19 7.5', error: 'M6.5 6.5l11 11M17.5 6.5l-11 11' } as const;

/** One glyph: `part` on the `<svg>`, `d` its path. */
export const glyph = (part: string, d: string) =>
  html`<svg part=${part} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"
    stroke-linejoin="round" aria-hidden="true" focusable="false"><path d=${d}></path></svg>`;

/** ✓ or ✗ beside a finished file's status text (parts `mark` and `mark-success` / `mark-error`). */
export const mark = (kind: keyof typeof MARKS) => glyph(`mark mark-${kind}`, MARKS[kind]);

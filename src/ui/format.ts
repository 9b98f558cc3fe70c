// Numbers as the element's language writes them, through Intl: sizes, percentages, speeds,
// durations, lists and plural forms; and the `{name}` templates of the strings table, as plain text
// (accessible names, the live region) or as HTML whose values are bidi-isolated (<bdi>), so that
// "19.5 kB" or a Hebrew file name keeps its order inside a sentence of the other direction.
import { html, type TemplateResult } from 'lit';
import type { Plural } from '../locales/index.js';

/** Binary multiples, as `max-size="10MB"` is read, with the unit names CLDR gives each language. */
const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** A byte count in the largest binary multiple that keeps it ≥ 1 (no unit: bytes). */
function scaled(bytes: number): [number, (typeof UNITS)[number] | undefined] {
  let value = Math.max(0, bytes);
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return [value, UNITS[unit]];
}

export type Values = Record<string, string | number>;

/** The Intl formatters of one locale, made once (they are slow to build, quick to use). */
export class Formats {
  readonly locale: string;
  readonly #cache = new Map<string, Intl.NumberFormat>();
  readonly #plural: Intl.PluralRules;
  readonly #list: Intl.ListFormat;
  readonly #units: Intl.ListFormat;

  constructor(locale: string) {
    this.locale = locale;
    this.#plural = new Intl.PluralRules(locale);
    this.#list = new Intl.ListFormat(locale, { type: 'conjunction' });
    this.#units = new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' });
  }

  #number(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let f = this.#cache.get(key);
    if (!f) {
      f = new Intl.NumberFormat(this.locale, options);
      this.#cache.set(key, f);
    }
    return f;
  }

  #unit(unit: string, display: 'long' | 'short', digits: number): Intl.NumberFormat {
    return this.#number(`${unit}/${display}/${digits}`, { style: 'unit', unit, unitDisplay: display, maximumFractionDigits: digits });
  }

  /** A count ("1,234"). */
  count(n: number): string {
    return this.#number('count', {}).format(n);
  }

  /** "512 bytes", "19.5 kB", "10 MB": binary multiples, one decimal under 100 of a unit. */
  bytes(bytes: number): string {
    const [value, unit] = scaled(bytes);
    if (!unit) return this.#unit('byte', 'long', 0).format(value);
    return this.#unit(unit, 'short', value >= 100 ? 0 : 1).format(value);
  }

  /** A 0–100 integer as a percentage ("42%", "42 %", "%42"). */
  percent(percent: number): string {
    return this.#number('percent', { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
  }

  /** Bytes per second ("3.2 MB/s"). */
  speed(bytesPerSecond: number): string {
    const [value, unit] = scaled(bytesPerSecond);
    return this.#unit(`${unit ?? 'byte'}-per-second`, 'short', unit && value < 100 ? 1 : 0).format(value);
  }

  /** A time left, rounded up: "12 sec", "3 min", "1 hr, 5 min". */
  duration(seconds: number): string {
    const s = Math.max(1, Math.ceil(seconds));
    if (s < 60) return this.#unit('second', 'short', 0).format(s);
    const minutes = Math.ceil(s / 60);
    if (minutes < 60) return this.#unit('minute', 'short', 0).format(minutes);
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    const parts = [this.#unit('hour', 'short', 0).format(hours)];
    if (rest) parts.push(this.#unit('minute', 'short', 0).format(rest));
    return this.#units.format(parts);
  }

  /** "a, b and c" in the locale's words. */
  list(items: string[]): string {
    return this.#list.format(items);
  }

  /** The form of a plural text for this count (a plain string is the same for every count). */
  plural(text: string | Plural, count: number): string {
    if (typeof text === 'string') return text;
    return text[this.#plural.select(count)] ?? text.other;
  }
}

const formats = new Map<string, Formats>();

/** The formatters of a locale (an invalid tag gets English's). */
export function formatsFor(locale: string): Formats {
  let f = formats.get(locale);
  if (!f) {
    try {
      f = new Formats(locale);
    } catch {
      f = new Formats('en');
    }
    formats.set(locale, f);
  }
  return f;
}

/** `{name}` substitution, as plain text (accessible names, the live region). */
export function fill(template: string, values: Values): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** `{name}` substitution as HTML: each value in a <bdi>, so its direction never reorders the sentence. */
export function fillHtml(template: string, values: Values | Record<string, string | number | TemplateResult>): Array<string | TemplateResult> {
  const out: Array<string | TemplateResult> = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    const name = m[1]!;
    if (!(name in values)) continue;
    out.push(template.slice(last, m.index));
    out.push(html`<bdi>${values[name]}</bdi>`);
    last = m.index + m[0].length;
  }
  out.push(template.slice(last));
  return out;
}

/** The mark that ends a piece (" ·", "，", "・", ","), not an opening one: the line may break after it. */
const MARK = /[\p{Po}\p{Pd}\p{Pe}\p{Pf}]+/u;

/** The text between two values: what stays with the one before, the space a line may break in, what goes with the one after. */
function splitBetween(text: string): [string, string, string] {
  const mark = MARK.exec(text) ?? /\s+/u.exec(text);
  if (!mark) return ['', '', text]; // no mark, no space ("{speed}剩余{time}"): the pieces simply stand side by side
  const end = MARK.test(mark[0]) ? mark.index + mark[0].length : mark.index;
  const space = /^\s*/u.exec(text.slice(end))![0];
  return [text.slice(0, end), space, text.slice(end + space.length)];
}

/**
 * `{name}` substitution as HTML (as {@link fillHtml}) in pieces that a line never breaks inside:
 * each value with the words the template sets beside it ("{time} left", "剩余 {time}") and the mark
 * after it (" ·", "，", "・"), in a `.piece` (an inline block, list.ts), so that a line breaks only
 * between pieces. The mark is a `.sep` (no wrap): a piece too wide for a line wraps inside its
 * words, never before its mark. A value named in `open` is no piece itself: it holds pieces of its
 * own (a row's speed and time left, inside its status).
 */
export function fillPieces(template: string, values: Record<string, string | number | TemplateResult>, open: readonly string[] = []): Array<string | TemplateResult> {
  const names: string[] = [];
  const texts: string[] = []; // texts[i] comes before names[i]; the last one after the last name
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    if (!(m[1]! in values)) continue;
    texts.push(template.slice(last, m.index));
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  texts.push(template.slice(last));
  if (!names.length) return [template];
  const out: Array<string | TemplateResult> = [];
  let before = texts[0]!;
  names.forEach((name, i) => {
    const between = i + 1 < names.length;
    const [after, space, next] = between ? splitBetween(texts[i + 1]!) : [texts[i + 1]!, '', ''];
    const value = html`<bdi>${values[name]}</bdi>`;
    const end = between && after ? html`<span class="sep">${after}</span>` : after;
    out.push(open.includes(name) ? html`${before}${value}${end}` : html`<span class="piece">${before}${value}${end}</span>`, space);
    before = next;
  });
  return out;
}

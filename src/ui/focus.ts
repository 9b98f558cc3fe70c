// Focus that never falls to <body>. When a render takes away the focused control (Cancel turns
// into Retry, a row is removed, an upload ends under its Cancel button, a note is dismissed), the
// focus moves to the next sensible one: the same row's first button, else the first button of
// the row that followed it, else of the one before it, else the choose button. Rows are the
// shadow root's elements with `data-key` (file rows, rejection notes); a reactive controller that
// looks before each render and after it.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

interface Saved {
  control: HTMLElement;
  /** The row's key, and the keys of its list's rows after it and (nearest first) before it. */
  row?: string;
  after: string[];
  before: string[];
}

export class FocusKeeper implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #fallback: () => HTMLElement | null;
  #saved?: Saved | undefined;

  /** `fallback`: where the focus goes when no row is left (the choose button). */
  constructor(host: ReactiveControllerHost & HTMLElement, fallback: () => HTMLElement | null) {
    this.#host = host;
    this.#fallback = fallback;
    host.addController(this);
  }

  hostUpdate(): void {
    const control = this.#host.shadowRoot?.activeElement;
    this.#saved = undefined;
    if (!(control instanceof HTMLElement)) return;
    const row = control.closest<HTMLElement>('[data-key]');
    const keys = row?.parentElement ? [...row.parentElement.children].map((el) => (el as HTMLElement).dataset['key'] ?? '') : [];
    const at = row ? keys.indexOf(row.dataset['key']!) : -1;
    this.#saved = {
      control,
      ...(row ? { row: row.dataset['key']! } : {}),
      after: at < 0 ? [] : keys.slice(at + 1),
      before: at < 0 ? [] : keys.slice(0, at).reverse(),
    };
  }

  hostUpdated(): void {
    const saved = this.#saved;
    this.#saved = undefined;
    const root = this.#host.shadowRoot;
    if (!saved || !root || root.activeElement === saved.control) return;
    if (saved.control.isConnected && !saved.control.matches(':disabled')) {
      saved.control.focus(); // moved in the DOM, which drops the focus: give it back
      return;
    }
    const first = (key: string) => root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.querySelector<HTMLElement>('button:not(:disabled)') ?? null;
    const keys = [...(saved.row ? [saved.row] : []), ...saved.after, ...saved.before];
    let target: HTMLElement | null = null;
    for (const key of keys) if ((target = first(key))) break;
    target ??= this.#fallback();
    if (target && !target.matches(':disabled')) target.focus();
  }
}

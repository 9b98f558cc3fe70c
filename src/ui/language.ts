// The element's language: the `lang` of the element or of its nearest ancestor (across shadow
// roots, as HTML's language inheritance goes), followed at run time by a MutationObserver on every
// ancestor's `lang` (a nearer ancestor may gain one). A reactive controller: it asks its host to
// render again when the language changes. It loads no words: the element's shell has the button's
// (src/element/words.ts) and its core loads the language's table (src/element/core.ts).
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { BuiltInLanguage } from '../locales/index.js';
import { languageOf } from '../locales/language-of.js';

/** The element, then each ancestor up to the document's root element, through shadow hosts. */
function ancestry(el: Element): Element[] {
  const chain: Element[] = [];
  for (let node: Node | null = el; node;) {
    if (node instanceof Element) chain.push(node);
    const parent: Node | null = node.parentNode;
    node = parent instanceof ShadowRoot ? parent.host : parent;
  }
  return chain;
}

/** A tag Intl can use, or 'en' (no `lang` anywhere, `lang=""` — unknown — or not a valid tag). */
function canonical(lang: string | null | undefined): string {
  if (!lang) return 'en';
  try {
    return Intl.getCanonicalLocales(lang)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

export class LanguageController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #observer = new MutationObserver(() => this.#resolve());
  #locale = 'en';
  #language: BuiltInLanguage = 'en';

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    host.addController(this);
  }

  /** The BCP 47 tag numbers are formatted for (`en` without any `lang`). */
  get locale(): string {
    return this.#locale;
  }

  /** The built-in table for the locale (`en` for a language without one). */
  get language(): BuiltInLanguage {
    return this.#language;
  }

  hostConnected(): void {
    const chain = ancestry(this.#host);
    for (const el of chain) this.#observer.observe(el, { attributes: true, attributeFilter: ['lang'] });
    this.#resolve(chain);
  }

  hostDisconnected(): void {
    this.#observer.disconnect();
  }

  #resolve(chain = ancestry(this.#host)): void {
    const locale = canonical(chain.find((el) => el.hasAttribute('lang'))?.getAttribute('lang'));
    const language = languageOf(locale);
    if (locale === this.#locale && language === this.#language) return;
    this.#locale = locale;
    this.#language = language;
    this.#host.requestUpdate();
  }
}

// The element's language: the `lang` of the element or of its nearest ancestor (across shadow
// roots, as HTML's language inheritance goes), followed at run time by a MutationObserver on every
// ancestor's `lang` (a nearer ancestor may gain one). A reactive controller: it asks its host to
// render again when the language changes or its words arrive (tables other than English load lazily).
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { languageOf, loadStrings, loadedStrings, DEFAULT_STRINGS, type BuiltInLanguage, type OssUploadStrings } from '../locales/index.js';

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
  #strings: OssUploadStrings = DEFAULT_STRINGS;
  /** Settles when the words of the current language are here (at once for English). */
  #ready: Promise<unknown> = Promise.resolve();
  #loading = false;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    host.addController(this);
  }

  /** The BCP 47 tag numbers are formatted for (`en` without any `lang`). */
  get locale(): string {
    return this.#locale;
  }

  /** The built-in words for the language (English until another table has arrived). */
  get strings(): OssUploadStrings {
    return this.#strings;
  }

  /** Whether a table is still on its way (the host holds its first render meanwhile). */
  get loading(): boolean {
    return this.#loading;
  }

  get ready(): Promise<unknown> {
    return this.#ready;
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
    const table = loadedStrings(language);
    this.#loading = !table;
    if (table) {
      this.#strings = table;
      this.#ready = Promise.resolve();
    } else {
      this.#ready = loadStrings(language).then((strings) => {
        if (this.#language !== language) return; // another language was asked for meanwhile
        this.#strings = strings;
        this.#loading = false;
        this.#host.requestUpdate();
      });
    }
    this.#host.requestUpdate();
  }
}

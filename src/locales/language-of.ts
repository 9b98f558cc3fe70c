// Which built-in table a BCP 47 tag gets: apart from the tables (./index.ts imports English) so that
// the element's shell can follow the page's language without downloading any of them.
import type { BuiltInLanguage } from './index.js';

/**
 * The table for a BCP 47 tag: Chinese by script (`zh`, `zh-CN`, `zh-SG`, `zh-Hans` → simplified;
 * `zh-TW`, `zh-HK`, `zh-Hant` → traditional), Japanese, else English.
 */
export function languageOf(locale: string): BuiltInLanguage {
  try {
    const tag = new Intl.Locale(locale).maximize();
    if (tag.language === 'zh') return tag.script === 'Hant' ? 'zh-TW' : 'zh-CN';
    if (tag.language === 'ja') return 'ja';
  } catch {
    /* not a valid tag: English */
  }
  return 'en';
}

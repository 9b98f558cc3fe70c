// Attribute values checked where they are read: a typo must not silently become another setting.
// Shared by the element's shell (src/oss-upload.ts) and its lazy core (./core.ts).

/** Per element, `name="value"` of the invalid attributes reported so far: each is warned about once. */
const warned = new WeakMap<Element, Set<string>>();

/**
 * `value` when `valid`, else `fallback`, after one console warning per element that names the
 * attribute, its value and what is used instead.
 */
export function checked<T>(el: Element, attribute: string, value: unknown, valid: boolean, fallback: T, instead: string): T {
  if (valid) return value as T;
  const said = `${attribute}="${el.getAttribute(attribute) ?? String(value)}"`;
  const seen = warned.get(el) ?? new Set<string>();
  warned.set(el, seen);
  if (!seen.has(said)) {
    seen.add(said);
    console.warn(`<oss-upload>: ${said} is not valid; ${instead} is used instead.`);
  }
  return fallback;
}

/** A whole number ≥ `min`. */
export const wholeFrom = (min: number) => (n: number | undefined): boolean => n !== undefined && Number.isInteger(n) && n >= min;

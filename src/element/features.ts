// The parts of the element that a page or a moment may never use, each loaded with `import()` by
// the core (./core.ts) on its first use: the form control (an element in a form, `required`, a
// restored form state), the notes about refused files (a refusal), the batch summary (a batch of
// two files), the previews (a row with a preview cell). Loaded once per page and shared by every
// <oss-upload> in it: an element that needs one another element loaded has it at once.

/** One feature's module: there once loaded, on its way, or failed (tried again at the next use). */
export interface Feature<T> {
  /** The module, once loaded. */
  readonly module: T | undefined;
  /** Loads the module (once); resolves undefined when it could not be loaded, which is logged once. */
  load(): Promise<T | undefined>;
}

/** `without`: what the element does without it, for the console. */
function feature<T>(name: string, without: string, load: () => Promise<T>): Feature<T> {
  let module: T | undefined;
  let loading: Promise<T | undefined> | undefined;
  let logged = false;
  return {
    get module() {
      return module;
    },
    load() {
      if (module) return Promise.resolve(module);
      loading ??= load().then((loaded) => (module = loaded), (error: unknown) => {
        loading = undefined;
        // Once: an element that tries again at each use must not fill the console; its files are not affected.
        if (!logged) console.error(`<oss-upload>: the ${name} could not be loaded (${without}; tried again at its next use).`, error);
        logged = true;
        return undefined;
      });
      return loading;
    },
  };
}

export const FORM = feature('form control', 'the form sees the validity ElementInternals holds, and no new value', () => import('../form.js'));
export const NOTES = feature('notes about refused files', 'oss-upload-reject still fires', () => import('../ui/rejections.js'));
export const SUMMARY = feature('batch summary', 'the rows still show each file', () => import('../ui/summary.js'));
export const PREVIEWS = feature('previews', 'the preview cells stay empty', () => import('../ui/preview.js'));

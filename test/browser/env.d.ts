// Types of the virtual module `/__env.js` that test/browser/servers.mjs serves to the browser
// tests. The pattern `*/__env.js` (not '/__env.js'): TypeScript treats a rooted specifier like a
// relative one and never matches it against a plain ambient module name, but it does match a
// pattern.
declare module '*/__env.js' {
  /** Values put there by the plugins in test/browser/servers.mjs (e.g. the emulator's URL). */
  export const env: {
    readonly [key: string]: unknown;
  };
}

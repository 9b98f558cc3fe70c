// Types of the virtual module `/__env.js` that test/browser/servers.mjs serves to the browser
// tests. The pattern `*/__env.js` (not '/__env.js'): TypeScript treats a rooted specifier like a
// relative one and never matches it against a plain ambient module name, but it does match a
// pattern.
declare module '*/__env.js' {
  /** Values put there by the plugins in test/browser/servers.mjs. */
  export const env: {
    /** `http://localhost:PORT`: the emulator as ali-oss must address it (path-style, a hostname). */
    readonly ossEndpoint: string;
    /** `http://127.0.0.1:PORT`: the emulator's own URL (also `/_emulator/…` and `/_sts`). */
    readonly emulatorUrl: string;
    readonly bucket: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly accessKeySecret: string;
    readonly [key: string]: unknown;
  };
}

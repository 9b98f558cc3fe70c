// `vite build`: dist/oss-upload.bundle.js, the minified ES module (Lit included) that a plain HTML
// page loads with <script type="module" src=...> and nothing else installed (the CDN file). What
// the element needs only once the user acts (its core, each strategy, languages other than
// English, folder reading, image downscaling) is in chunks under dist/bundle/, which the entry
// imports by relative URL when needed: from jsDelivr or unpkg they come from the same folder tree.
// No source map: it would be mostly Lit's; the unbundled dist/*.js files are the readable ones.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    lib: { entry: 'src/oss-upload.ts', formats: ['es'], fileName: () => 'oss-upload.bundle.js' },
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: 'oxc',
    sourcemap: false,
    // Vite keeps whitespace and pure annotations in ES libraries, for bundlers that read them
    // again; these files are for pages: minify them fully, keeping Lit's license comments.
    rolldownOptions: {
      // The chunks may import from the entry what they share with it (Lit): one file at page load, not two.
      preserveEntrySignatures: 'allow-extension',
      output: {
        minify: true, comments: { legal: true, annotation: false, jsdoc: false },
        // Apart from tsc's dist/*.js (dist/core.js is oss-upload/core), hashed: a CDN may cache them for good.
        chunkFileNames: 'bundle/[name]-[hash].js',
      },
    },
  },
});

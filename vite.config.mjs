// `vite build`: dist/oss-upload.bundle.js, one self-contained, minified ES module (Lit included) that
// a plain HTML page loads with <script type="module" src=...> and nothing else installed (the CDN
// file). No source map: it would be mostly Lit's; the unbundled dist/*.js files are the readable ones.
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
    // again; this file is for pages: minify it fully, keeping Lit's license comments. What the
    // package loads on demand (the word tables of languages other than English) is inlined, so the
    // CDN file stays one file; bundlers that import dist/oss-upload.js keep those as lazy chunks.
    rolldownOptions: {
      output: { minify: true, comments: { legal: true, annotation: false, jsdoc: false }, codeSplitting: false },
    },
  },
});

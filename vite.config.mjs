// `vite build`: dist/oss-upload.bundle.js, one self-contained ES module (Lit included) that a plain
// HTML page loads with <script type="module" src=...> and nothing else installed.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    lib: { entry: 'src/oss-upload.ts', formats: ['es'], fileName: () => 'oss-upload.bundle.js' },
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
  },
});

// examples/html: a page and a script, built by Vite, type-checked by tsc.
import { exampleTests } from './support.js';

exampleTests({
  name: 'html',
  out: 'dist',
  widgetImports: ['src/main.ts'],
});

// custom-elements.json is generated from the element's JSDoc (@summary, @slot, @csspart,
// @cssproperty, @fires, attributes and properties) by `npm run build:manifest`, and committed.
// CEM_OUTDIR (relative: the analyzer joins it to the working folder) lets the staleness test write
// a fresh copy elsewhere; `packagejson: false` keeps the analyzer from rewriting package.json.
import { posix } from 'node:path';

/**
 * The analyzer reads src/*.ts and names modules as it found them (`src/x.ts`, `src/x.js`, or
 * `./x.js` relative to the importing module); the package ships dist/*.js: point every module
 * reference at the file that ships, relative to the package root.
 */
function publishedPaths() {
  const toDist = (ref, from) => {
    const path = ref.startsWith('.') ? posix.join(posix.dirname(from), ref) : ref;
    return path.replace(/^src\/(.*)\.[jt]s$/, 'dist/$1.js');
  };
  const visit = (node, from) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, from));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'path' || key === 'module') && typeof value === 'string') node[key] = toDist(value, from);
      else visit(value, from);
    }
  };
  return {
    name: 'published-paths',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) visit(mod, mod.path);
    },
  };
}

export default {
  globs: ['src/oss-upload.ts'],
  outdir: process.env.CEM_OUTDIR ?? '.',
  litelement: true,
  packagejson: false,
  plugins: [publishedPaths()],
};

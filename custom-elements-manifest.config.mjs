// custom-elements.json is generated from the element's JSDoc (@summary, @slot, @csspart,
// @cssproperty, @fires, attributes and properties) by `npm run build:manifest`, and committed.
// CEM_OUTDIR (relative: the analyzer joins it to the working folder) lets the staleness test write
// a fresh copy elsewhere; `packagejson: false` keeps the analyzer from rewriting package.json.
export default {
  globs: ['src/oss-upload.ts'],
  outdir: process.env.CEM_OUTDIR ?? '.',
  litelement: true,
  packagejson: false,
};

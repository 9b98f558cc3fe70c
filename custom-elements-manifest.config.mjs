// custom-elements.json is generated from the element's JSDoc (@summary, @slot, @csspart,
// @cssproperty, @fires, attributes and properties) by `npm run build:manifest`, and committed.
export default {
  globs: ['src/oss-upload.ts'],
  outdir: '.',
  litelement: true,
};

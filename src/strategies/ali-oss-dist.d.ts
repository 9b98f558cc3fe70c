// The prebuilt browser bundle of ali-oss, which the sts strategy's `engine: 'ali-oss'` loads on
// demand. A UMD file: bundlers see its CommonJS export; loaded as a plain module it sets `window.OSS`.
declare module 'ali-oss/dist/aliyun-oss-sdk.min.js' {
  import OSS from 'ali-oss';
  export default OSS;
}

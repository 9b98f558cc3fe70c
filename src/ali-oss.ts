// oss-upload/ali-oss: importing this module makes the sts strategy's `engine="ali-oss"` available.
// It is an entry of its own so that apps which never import it bundle no ali-oss code; those that
// do still download ali-oss's browser bundle (the `ali-oss` package, an optional peer dependency)
// only when the first upload uses the engine.
import { registerAliOssEngine } from './strategies/sts.js';
import { uploadWithAliOss } from './strategies/sts-alioss.js';

registerAliOssEngine(uploadWithAliOss);

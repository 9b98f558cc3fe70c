// oss-upload/server: the credential endpoints and the upload proxy on the Fetch API, with an adapter for node:http,
// Express and Connect. Never imports browser code or Lit.
export {
  createSignHandler, signPolicy, HttpError, jsonResponse, errorResponse, POST_OBJECT_MAX_SIZE,
  type SignHandlerOptions, type SignCredentials, type SignCallback, type SignedPostV4, type SignedPostV1,
} from './sign.js';
export {
  createProxyHandler, cleanName, ulid, PROXY_DEFAULTS, MIN_PART_SIZE,
  type ProxyHandlerOptions, type ProxyKeyInfo, type ProxyResult,
} from './proxy.js';
export { type PrefixOption } from './common.js';
export { toNodeListener, toRequest, writeResponse, type FetchHandler, type NodeListener, type NodeNext } from './node.js';
export {
  createStsHandler, uploadPolicy, sessionNameOf, UPLOAD_ACTIONS,
  type StsHandlerOptions, type StsAnswer, type AssumedCredentials, type AssumeRoleRequest,
} from './sts.js';

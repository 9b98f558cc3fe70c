// oss-upload/core: the runtime API without the element — the headless UploadController, the
// strategies and their registry, credentials, key helpers, the image transform, the words, the
// event and error classes. Apart from the element's entry (oss-upload) so that a page with
// <oss-upload> downloads none of this until the element needs it (README "Without the UI").
export * from './events.js';
export * from './errors.js';
export { UploadController, matchesAccept, type UploadFile, type UploadControllerOptions } from './controller.js';
export { CredentialCache, requestCredentials, type CredentialRequest, type CredentialsConfig, type FetchCredentials, type RequestHeaders } from './credentials.js';
export {
  DEFAULT_KEY_TEMPLATE, KEY_PLACEHOLDERS, cleanFileName, renderKeyTemplate, normalizeKey, joinKey, objectUrl, newId,
} from './keys.js';
export * from './strategies/index.js';
export { StsStrategy, parseStsCredentials, type StsSettings, type StsStrategyOptions, type StsGrant } from './strategies/sts.js';
export { ProxyStrategy, proxyError, parseProxyResult } from './strategies/proxy.js';
export { SignedPolicyStrategy, POST_OBJECT_MAX_SIZE, parseSignedPolicy, policyFits, parseOssError, type SignedPolicy } from './strategies/signed-policy.js';
export { imageTransform, type ImageTransformOptions } from './transforms/index.js';
export { DEFAULT_STRINGS, type OssUploadStrings, type Plural, type RejectionRule } from './locales/index.js';

// The strategy registry: names the element's `strategy` attribute can take. Apps add their own
// with `registerStrategy(name, factory)`; strategies are plain TypeScript (no Lit).
import { proxy } from './proxy.js';
import { signedPolicy } from './signed-policy.js';
import { sts } from './sts.js';
import type { StrategyFactory } from './types.js';

export type { RequestRetry, StrategyFactory, StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';
export { StsStrategy, parseStsCredentials, type StsSettings, type StsStrategyOptions, type StsGrant } from './sts.js';
export { ProxyStrategy, proxyError, parseProxyResult } from './proxy.js';
export { SignedPolicyStrategy, POST_OBJECT_MAX_SIZE, parseSignedPolicy, policyFits, parseOssError, type SignedPolicy } from './signed-policy.js';

const registry = new Map<string, StrategyFactory>([['signed-policy', signedPolicy], ['sts', sts], ['proxy', proxy]]);

/** The strategy used when the `strategy` attribute is absent. */
export const DEFAULT_STRATEGY = 'signed-policy';

/** Makes `strategy="<name>"` available to every <oss-upload> (later registrations replace earlier ones). */
export function registerStrategy(name: string, factory: StrategyFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`Strategy names are lower-case kebab-case, got "${name}".`);
  registry.set(name, factory);
}

export function getStrategy(name: string): StrategyFactory | undefined {
  return registry.get(name);
}

export function strategyNames(): string[] {
  return [...registry.keys()];
}

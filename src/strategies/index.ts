// The strategy registry: names the element's `strategy` attribute can take. Apps add their own
// with `registerStrategy(name, factory)`; strategies are plain TypeScript (no Lit). The built-in
// entries are descriptors (./lazy.ts): each implementation loads with its first upload, so a page
// downloads only the transport it uses. Their classes and helpers are exported by src/core.ts.
import { STRATEGY_CODE } from './code.js';
import { lazyStrategy } from './lazy.js';
import type { StrategyFactory } from './types.js';

export type { RequestRetry, StrategyFactory, StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';

const registry = new Map<string, StrategyFactory>([
  // PostObject's 5 GB (POST_OBJECT_MAX_SIZE); one request a file, to the bucket host's 6 connections.
  ['signed-policy', lazyStrategy({ name: 'signed-policy', maxFileSize: 5 * 1024 ** 3, concurrency: 6 },
    () => STRATEGY_CODE['signed-policy']().then((m) => m.signedPolicy))],
  // 10,000 parts of 5 GiB (multipart/plan.ts MAX_MULTIPART_SIZE); CONNECTIONS_PER_HOST files.
  ['sts', lazyStrategy({ name: 'sts', maxFileSize: 10_000 * 5 * 1024 ** 3, concurrency: 6, pausable: true },
    () => STRATEGY_CODE.sts().then((m) => m.sts))],
  ['proxy', lazyStrategy({ name: 'proxy' }, () => STRATEGY_CODE.proxy().then((m) => m.proxy))],
]);

export { DEFAULT_STRATEGY } from './code.js';

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

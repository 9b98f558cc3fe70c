// Where each built-in strategy's code is: one import() per strategy, shared by the registry (which
// loads it with the strategy's first upload) and the element's shell (which starts fetching it with
// the gesture that starts an upload, beside the core: on a slow link the two would otherwise come one
// after the other, a round trip or two each, before the first request). Nothing else here, so that
// the shell stays small.
export const STRATEGY_CODE = {
  'signed-policy': () => import('./signed-policy.js'),
  sts: () => import('./sts.js'),
  proxy: () => import('./proxy.js'),
};

/** The strategy used when the `strategy` attribute is absent (or empty). */
export const DEFAULT_STRATEGY = 'signed-policy';

/** Starts fetching a built-in strategy's code (nothing for another name); a failure is its first upload's to report. */
export function prefetchStrategy(name: string): void {
  name ||= DEFAULT_STRATEGY;
  if (Object.hasOwn(STRATEGY_CODE, name)) void STRATEGY_CODE[name as keyof typeof STRATEGY_CODE]().catch(() => undefined);
}

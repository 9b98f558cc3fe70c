// A strategy whose code loads on its first upload: the registry's built-in entries are these thin
// descriptors, so that a page downloads the transport (and its signing, credentials and multipart
// engine) of the strategy it uses, when it first uploads, and never that of the others. What the
// controller reads synchronously (name, limits, concurrency, whether it can pause) is known up front.
import { UploadError } from '../errors.js';
import type { StrategyFactory, StrategyOptions, UploadContext, UploadResult, UploadStrategy } from './types.js';

/** What the controller reads before the implementation is there; equal to the implementation's own (test/browser/lazy-core.test.ts). */
export interface StrategyTraits {
  readonly name: string;
  readonly maxFileSize?: number;
  readonly concurrency?: number;
  /** The implementation has pause/resume (sts): the descriptor then has them too. */
  readonly pausable?: boolean;
}

/** The parts of a pausable implementation (sts) the controller calls; found structurally there too. */
interface Pausable extends UploadStrategy {
  pause(file: Blob): boolean;
  resume(file: Blob): boolean;
  pausable?(file: Blob): boolean;
}

/** A registry entry whose implementation is `load()`ed on the first upload of the page (one import per page, one instance per descriptor). */
export function lazyStrategy(traits: StrategyTraits, load: () => Promise<StrategyFactory>): StrategyFactory {
  return (options) => (traits.pausable ? new LazyPausableStrategy(traits, load, options) : new LazyStrategy(traits, load, options));
}

export class LazyStrategy implements UploadStrategy {
  readonly name: string;
  readonly maxFileSize?: number;
  readonly concurrency?: number;
  readonly #load: () => Promise<StrategyFactory>;
  readonly #options: StrategyOptions;
  #loading?: Promise<UploadStrategy> | undefined;
  /** The implementation, once loaded. */
  protected impl?: UploadStrategy;

  constructor(traits: StrategyTraits, load: () => Promise<StrategyFactory>, options: StrategyOptions) {
    this.name = traits.name;
    if (traits.maxFileSize !== undefined) this.maxFileSize = traits.maxFileSize;
    if (traits.concurrency !== undefined) this.concurrency = traits.concurrency;
    this.#load = load;
    this.#options = options;
  }

  /** The implementation; a failed import is tried again on the next call (the link may be back). */
  load(): Promise<UploadStrategy> {
    this.#loading ??= this.#load().then((factory) => (this.impl = factory(this.#options)), (cause: unknown) => {
      this.#loading = undefined;
      // `network`, so the controller retries it as it would a dropped connection.
      throw new UploadError('network', `The code of the ${this.name} strategy could not be loaded: ${String(cause)}`, { cause, retryable: true });
    });
    return this.#loading;
  }

  async upload(file: Blob & { readonly name?: string }, ctx: UploadContext): Promise<UploadResult> {
    return (this.impl ?? (await this.load())).upload(file, ctx);
  }
}

/** The descriptor of a strategy that can pause (sts): until its code is there, nothing runs that could pause. */
export class LazyPausableStrategy extends LazyStrategy {
  pause(file: Blob): boolean {
    return (this.impl as Pausable | undefined)?.pause(file) ?? false;
  }

  resume(file: Blob): boolean {
    return (this.impl as Pausable | undefined)?.resume(file) ?? false;
  }

  pausable(file: Blob): boolean {
    const impl = this.impl as Pausable | undefined;
    return impl?.pausable ? impl.pausable(file) : impl !== undefined;
  }
}

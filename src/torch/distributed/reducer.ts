// DDP's gradient buckets in the engine (native/reducer.cc): a hook on each parameter's gradient accumulator starts a
// bucket's all-reduce as soon as backward has filled it, overlapping the rest of backward; finish() launches the
// rest, waits, and leaves each gradient averaged over the ranks. Internal: nn.parallel imports it by path.
import { FlintError } from '../errors.js';
import { native } from '../native.js';
import type { ReducerHandle } from '../native-api.js';
import type { Tensor } from '../tensor.js';
import { named } from '../validate.js';
import { defaultGroup } from './group.js';

export class GradReducer {
  #h: ReducerHandle | null;

  /** buckets: parameter indices, in the order they are launched (the same on every rank). */
  constructor(fn: string, params: readonly Tensor[], buckets: readonly (readonly number[])[]) {
    const g = defaultGroup(fn);
    this.#h = named(fn, () =>
      native.ddpReducerNew(
        g.handle(fn),
        params.map((p) => p._h),
        buckets,
      ),
    );
  }

  /** Averages this round's gradients; resolves to how many buckets backward had already launched. */
  finish(fn: string): Promise<number> {
    const h = this.#h;
    if (h === null) throw new FlintError(`${fn}: the gradient hooks were released`);
    return named(fn, () => native.ddpReducerFinish(h));
  }

  /** Removes the hooks: gradients are no longer averaged. */
  release(): void {
    if (this.#h !== null) native.ddpReducerRelease(this.#h);
    this.#h = null;
  }
}

// A differentiable all-reduce (PyTorch's torch.distributed.nn.functional.all_reduce): the sum over ranks as a new
// tensor whose backward all-reduces the gradient. It blocks until done (within the group's timeout), as it runs
// inside a forward (SyncBatchNorm); every rank must call it, in the same order. Internal: nn imports it by path.
import { native } from '../native.js';
import { type Tensor, wrap } from '../tensor.js';
import { named } from '../validate.js';
import { defaultGroup } from './group.js';

export function allReduceSumDifferentiable(fn: string, t: Tensor): Tensor {
  const g = defaultGroup(fn);
  return named(fn, () => wrap(native.distAllReduceDiff(g.handle(fn), t._h)));
}

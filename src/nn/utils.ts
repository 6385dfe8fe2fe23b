// nn.utils: gradient clipping by total norm (PyTorch's clip_grad_norm_), with multi-tensor ops and no host read.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkNumber, fail, tensorList } from './check.js';

/** Scales the gradients so their total normType-norm is at most maxNorm; returns the total norm (a tensor).
 * normType: a positive number, or Infinity (the largest absolute value). */
export function clipGradNorm_(params: readonly Tensor[], maxNorm: number, normType = 2): Tensor {
  const fn = 'nn.clipGradNorm_';
  tensorList(fn, 'params', params);
  checkNumber(fn, 'maxNorm', maxNorm, { min: 0 });
  checkNumber(fn, 'normType', normType, { gt: 0, infinite: true });
  if (normType === -Infinity) fail(fn, 'normType', 'a positive number or Infinity', normType);
  return torch.tidy(() =>
    torch.noGrad(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return torch.zeros([]);
      const norms = torch.foreachNorm(grads, normType);
      const total = normType === Infinity ? torch.stack(norms).max() : torch.stack(norms).norm(normType);
      // coef = min(1, maxNorm / (total + 1e-6)), multiplied always: no branch, so no host read
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      torch.foreachMul_(
        grads,
        grads.map(() => coef),
      );
      return total;
    }),
  );
}

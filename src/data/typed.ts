// Typed tensors (fastai's TensorImage, TensorCategory...): the same tensor under a class that says what it
// holds, for code that dispatches on it (showing, decoding). Models see plain tensors: CastToTensor (order 9)
// strips the types before each batch reaches them.
import { Tensor } from '../torch/index.js';
import { fail, isTensorLike } from '../torch/validate.js';

export class TensorImage extends Tensor {}
export class TensorCategory extends Tensor {}
export class TensorMultiCategory extends Tensor {}

/** Whether a tensor carries a type beyond plain Tensor. */
export function isTyped(t: Tensor): boolean {
  if (!isTensorLike(t)) fail('data.isTyped', 't', 'a tensor', t);
  return t.constructor !== Tensor;
}

// CastToTensor (order 9): typed tensors (TensorImage, TensorCategory...) in xb and yb become plain tensors
// before the model sees them. Callbacks that need the types run before order 9.
import { Tensor } from '../torch/index.js';
import { Callback } from '../learner/callback.js';

const plain = (t: Tensor): Tensor => (t.constructor === Tensor ? t : t.as(Tensor));

export class CastToTensor extends Callback {
  override order = 9;
  override beforeBatch(): void {
    this.learn.xb = this.learn.xb.map(plain);
    this.learn.yb = this.learn.yb.map(plain);
  }
}

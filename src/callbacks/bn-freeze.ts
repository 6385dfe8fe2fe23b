// BnFreeze: batch norms of frozen layers keep their running statistics while the rest of the model trains.
import { BatchNorm1d, BatchNorm2d } from '../nn/index.js';
import type { Tensor } from '../torch/index.js';
import { Callback } from '../learner/callback.js';

/**
 * Before each training phase, puts in eval mode every batch norm whose parameters are all frozen: in a parameter
 * group before the optimizer's frozen index, or not trainable (fastai's BnFreeze, which looks only at
 * requiresGrad, so it needs trainBn: false; here a frozen group is enough, whatever trainBn). Their running mean
 * and variance then stay as they were (a pretrained body's statistics), while the trained layers' move.
 * A batch norm without parameters (affine: false) belongs to no group and is left in training mode.
 */
export class BnFreeze extends Callback {
  // after TrainEvalCallback (-10), which puts the whole model in training mode
  override order = -5;

  override beforeTrain(): void {
    const opt = this.learn.opt;
    const frozen = new Set<Tensor>(opt ? opt.paramLists.slice(0, opt.frozenIdx).flat() : []);
    for (const m of this.learn.model.modules()) {
      if (!(m instanceof BatchNorm1d || m instanceof BatchNorm2d)) continue;
      const params = m.parameters();
      if (params.length > 0 && params.every((p) => frozen.has(p) || !p.requiresGrad)) m.eval();
    }
  }
}

// Which parameters go where: fastai's default splitter and the batch-norm / bias selection behind its
// wdBnBias and trainBn options.
import type { Tensor } from '../torch/index.js';
import * as nn from '../nn/index.js';

/** fastai's default splitter: one group of the parameters that require grad. */
export function trainableParams(model: nn.Module): Tensor[] {
  return model.parameters().filter((p) => p.requiresGrad);
}

const NORM_TYPES = [nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d, nn.LayerNorm, nn.GroupNorm];

/** Parameters of normalization layers, and (withBias) every other layer's bias: fastai's norm_bias_params.
 * Mark them `doWd: false` unless wdBnBias, and the norm ones `forceTrain: true` when trainBn (the default). */
export function normBiasParams(model: nn.Module, withBias = true): Tensor[] {
  if (NORM_TYPES.some((T) => model instanceof T)) return model.parameters();
  const out = model.children().flatMap((c) => normBiasParams(c, withBias));
  const bias = (model as { bias?: unknown }).bias;
  if (withBias && bias !== null && bias !== undefined && model.parameters(false).includes(bias as Tensor)) out.push(bias as Tensor);
  return out;
}

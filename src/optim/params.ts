// Which parameters go where: fastai's default splitter and the batch-norm / bias selection behind its
// wdBnBias and trainBn options.
import type { Tensor } from '../torch/index.js';
import * as nn from '../nn/index.js';
import { Optimizer } from './optimizer.js';
import { checkBool, checkOptions, fail } from '../torch/validate.js';

function checkModel(fn: string, model: unknown): nn.Module {
  if (!(model instanceof nn.Module)) fail(fn, 'model', 'a Module', model);
  return model as nn.Module;
}

/** fastai's default splitter: one group of the parameters that require grad. */
export function trainableParams(model: nn.Module): Tensor[] {
  checkModel('optim.trainableParams', model);
  return model.parameters().filter((p) => p.requiresGrad);
}

const NORM_TYPES = [nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d, nn.LayerNorm, nn.GroupNorm];

/** Parameters of normalization layers, and (withBias) every other layer's bias: fastai's norm_bias_params.
 * Mark them `doWd: false` unless wdBnBias, and the norm ones `forceTrain: true` when trainBn (the default). */
export function normBiasParams(model: nn.Module, withBias = true): Tensor[] {
  checkModel('optim.normBiasParams', model);
  checkBool('optim.normBiasParams', 'withBias', withBias);
  return normBias(model, withBias);
}
function normBias(model: nn.Module, withBias: boolean): Tensor[] {
  if (NORM_TYPES.some((T) => model instanceof T)) return model.parameters();
  const out = model.children().flatMap((c) => normBias(c, withBias));
  const bias = (model as { bias?: unknown }).bias;
  if (withBias && bias !== null && bias !== undefined && model.parameters(false).includes(bias as Tensor)) out.push(bias as Tensor);
  return out;
}

/** fastai's Learner defaults on an optimizer over `model`: batch-norm and other norm layers keep training when
 * their group is frozen (trainBn, default true), and norm and bias parameters get no weight decay (unless
 * wdBnBias). */
export function markNormBias(opt: Optimizer, model: nn.Module, o: { trainBn?: boolean; wdBnBias?: boolean } = {}): void {
  const fn = 'optim.markNormBias';
  if (!(opt instanceof Optimizer)) fail(fn, 'opt', 'an Optimizer', opt);
  checkModel(fn, model);
  o = checkOptions(fn, o, ['trainBn', 'wdBnBias']);
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && typeof v !== 'boolean') fail(fn, `options.${k}`, 'a boolean', v);
  }
  if (!(o.wdBnBias ?? false)) opt.setFlags(normBias(model, true), { doWd: false });
  if (o.trainBn ?? true) opt.setFlags(normBias(model, false), { forceTrain: true });
}

// Loss modules: PyTorch's classes over torch.functional, with the same options (weights are buffers).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';
import type { LossFunction } from './loss-function.js';
import { checkInt, checkTensor, fail, optBool, optNum, optOneOf, optTensor, checkOptions } from './check.js';

const F = torch.functional;
type Reduction = torch.functional.Reduction;

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** A weight: none, or a floating-point tensor (with perClass, 1-d: one weight per class). */
function weightTensor(fn: string, arg: string, v: unknown, perClass = false): Tensor | null {
  const w = optTensor(fn, arg, v);
  if (w !== null && (!torch.isFloating(w.dtype) || (perClass && w.ndim !== 1))) fail(fn, arg, `a ${perClass ? '1-d ' : ''}floating-point tensor`, w);
  return w;
}

abstract class Loss extends Module implements LossFunction {
  /** Settable: getPreds withLoss switches it to 'none' for a pass. */
  reduction: Reduction;
  /** The options, checked: only `known` keys, a valid reduction. */
  constructor(o: { reduction?: Reduction }, known: readonly string[]) {
    super();
    const fn = `nn.${new.target.name}`;
    checkOptions(fn, o, ['reduction', ...known]);
    this.reduction = optOneOf(fn, 'reduction', o.reduction, REDUCTIONS, 'mean');
  }
  /** The public name, for errors. */
  protected get fn(): string {
    return `nn.${this.constructor.name}`;
  }
  /** The input and target of forward: live tensors. */
  protected inputs(input: Tensor, target: Tensor): void {
    checkTensor(this.fn, 'input', input);
    checkTensor(this.fn, 'target', target);
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Cross entropy of logits (N, C, ...) against class indices or class probabilities. */
export class CrossEntropyLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(o, ['weight', 'ignoreIndex', 'labelSmoothing']);
    const fn = 'nn.CrossEntropyLoss';
    const weight = weightTensor(fn, 'weight', o.weight, true);
    this.ignoreIndex = o.ignoreIndex === undefined ? -100 : checkInt(fn, 'ignoreIndex', o.ignoreIndex);
    this.labelSmoothing = optNum(fn, 'labelSmoothing', o.labelSmoothing, 0, { min: 0, max: 1 });
    this.weight = this.registerBuffer('weight', weight);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Negative log likelihood of log-probabilities. */
export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(o, ['weight', 'ignoreIndex']);
    const fn = 'nn.NLLLoss';
    const weight = weightTensor(fn, 'weight', o.weight, true);
    this.ignoreIndex = o.ignoreIndex === undefined ? -100 : checkInt(fn, 'ignoreIndex', o.ignoreIndex);
    this.weight = this.registerBuffer('weight', weight);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) {
    super(o, []);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) {
    super(o, []);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(o: { reduction?: Reduction; beta?: number } = {}) {
    super(o, ['beta']);
    this.beta = optNum('nn.SmoothL1Loss', 'beta', o.beta, 1, { min: 0 });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(o: { reduction?: Reduction; delta?: number } = {}) {
    super(o, ['delta']);
    this.delta = optNum('nn.HuberLoss', 'delta', o.delta, 1, { gt: 0 });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Binary cross entropy of probabilities. */
export class BCELoss extends Loss {
  readonly weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o, ['weight']);
    this.weight = this.registerBuffer('weight', weightTensor('nn.BCELoss', 'weight', o.weight));
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross entropy of logits, with an optional weight for positives per class. */
export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  constructor(o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o, ['weight', 'posWeight']);
    const weight = weightTensor('nn.BCEWithLogitsLoss', 'weight', o.weight);
    const posWeight = weightTensor('nn.BCEWithLogitsLoss', 'posWeight', o.posWeight);
    this.weight = this.registerBuffer('weight', weight);
    this.posWeight = this.registerBuffer('pos_weight', posWeight);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    this.inputs(input, target);
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** KL divergence of log-probabilities from a target distribution. */
export class KLDivLoss extends Module {
  reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;
  constructor(o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super();
    const fn = 'nn.KLDivLoss';
    checkOptions(fn, o, ['reduction', 'logTarget']);
    this.reduction = optOneOf(fn, 'reduction', o.reduction, ['mean', 'sum', 'none', 'batchmean'], 'mean');
    this.logTarget = optBool(fn, 'logTarget', o.logTarget, false);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    checkTensor('nn.KLDivLoss', 'input', input);
    checkTensor('nn.KLDivLoss', 'target', target);
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

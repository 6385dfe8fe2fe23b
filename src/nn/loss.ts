// Loss modules: PyTorch's classes over torch.functional, with the same options (weights are buffers).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

const F = torch.functional;
type Reduction = torch.functional.Reduction;

abstract class Loss extends Module {
  /** Settable: getPreds withLoss switches it to 'none' for a pass. */
  reduction: Reduction;
  constructor(o: { reduction?: Reduction }) {
    super();
    this.reduction = o.reduction ?? 'mean';
    if (!['mean', 'sum', 'none'].includes(this.reduction)) {
      throw new torch.TorchError(`${new.target.name}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(this.reduction)}`);
    }
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Cross entropy of logits (N, C, ...) against class indices or class probabilities. */
export class CrossEntropyLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(o);
    this.weight = this.registerBuffer('weight', o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new torch.TorchError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Negative log likelihood of log-probabilities. */
export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(o);
    this.weight = this.registerBuffer('weight', o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o); }
  forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o); }
  forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(o: { reduction?: Reduction; beta?: number } = {}) { super(o); this.beta = o.beta ?? 1; }
  forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(o: { reduction?: Reduction; delta?: number } = {}) { super(o); this.delta = o.delta ?? 1; }
  forward(input: Tensor, target: Tensor): Tensor { return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/** Binary cross entropy of probabilities. */
export class BCELoss extends Loss {
  readonly weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o);
    this.weight = this.registerBuffer('weight', o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor { return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

/** Binary cross entropy of logits, with an optional weight for positives per class. */
export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  constructor(o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o);
    this.weight = this.registerBuffer('weight', o.weight ?? null);
    this.posWeight = this.registerBuffer('pos_weight', o.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** KL divergence of log-probabilities from a target distribution. */
export class KLDivLoss extends Module {
  reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;
  constructor(o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super();
    this.reduction = o.reduction ?? 'mean';
    if (!['mean', 'sum', 'none', 'batchmean'].includes(this.reduction)) {
      throw new torch.TorchError(`KLDivLoss: reduction must be 'mean', 'sum', 'none' or 'batchmean', got ${JSON.stringify(this.reduction)}`);
    }
    this.logTarget = o.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor { return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }); }
}

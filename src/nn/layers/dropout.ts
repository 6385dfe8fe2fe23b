// Dropout: zeroes elements with probability p in training mode, scaling the rest by 1 / (1 - p).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';
import { checkNumber, checkTensor } from '../check.js';

/** The probability check and repr shared by the dropout layers (PyTorch's _DropoutNd). */
abstract class DropoutNd extends Module {
  constructor(readonly p: number) {
    super();
    checkNumber(`nn.${new.target.name}`, 'p', p, { min: 0, max: 1 });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

export class Dropout extends DropoutNd {
  constructor(p = 0.5) {
    super(p);
  }
  forward(x: Tensor): Tensor {
    return torch.functional.dropout(checkTensor('nn.Dropout', 'input', x), this.p, this.training);
  }
}

/** Zeroes whole channels of (N, C, H, W) input with probability p in training mode. */
export class Dropout2d extends DropoutNd {
  constructor(p = 0.5) {
    super(p);
  }
  forward(x: Tensor): Tensor {
    return torch.functional.dropout2d(checkTensor('nn.Dropout2d', 'input', x), this.p, this.training);
  }
}

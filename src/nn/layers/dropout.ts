// Dropout: zeroes elements with probability p in training mode, scaling the rest by 1 / (1 - p).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';

/** The probability check and repr shared by the dropout layers (PyTorch's _DropoutNd). */
abstract class DropoutNd extends Module {
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p <= 1)) throw new torch.TorchError(`${this.constructor.name}: probability must be in [0, 1], got ${String(p)}`);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

export class Dropout extends DropoutNd {
  constructor(p = 0.5) { super(p); }
  forward(x: Tensor): Tensor {
    return torch.functional.dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of (N, C, H, W) input with probability p in training mode. */
export class Dropout2d extends DropoutNd {
  constructor(p = 0.5) { super(p); }
  forward(x: Tensor): Tensor {
    return torch.functional.dropout2d(x, this.p, this.training);
  }
}

// Activation layers: thin modules over the tensor ops, printed as PyTorch prints them.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyFloat, pyStr } from '../repr.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return x.relu(); }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  forward(x: Tensor): Tensor { return x.gelu(this.approximate); }
  override extraRepr(): string { return `approximate=${pyStr(this.approximate)}`; }
}
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return x.silu(); }
}
export class Mish extends Module {
  forward(x: Tensor): Tensor { return x.mish(); }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return x.tanh(); }
}
export class Hardswish extends Module {
  forward(x: Tensor): Tensor { return x.hardswish(); }
}
export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
export class LogSoftmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

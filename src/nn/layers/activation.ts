// Activation layers: thin modules over the tensor ops, printed as PyTorch prints them.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyFloat, pyStr } from '../repr.js';
import { checkInt, checkNumber, checkTensor, fail, optOneOf } from '../check.js';

/** The input of an elementwise activation: a live tensor (the layer's name in the error). */
const input = (m: Module, x: Tensor): Tensor => checkTensor(`nn.${m.constructor.name}`, 'input', x);

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).relu();
  }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    checkNumber('nn.LeakyReLU', 'negativeSlope', negativeSlope);
  }
  forward(x: Tensor): Tensor {
    return input(this, x).leakyRelu(this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(approximate: 'none' | 'tanh' = 'none') {
    super();
    this.approximate = optOneOf('nn.GELU', 'approximate', approximate, ['none', 'tanh'], 'none');
  }
  forward(x: Tensor): Tensor {
    return input(this, x).gelu(this.approximate);
  }
  override extraRepr(): string {
    return `approximate=${pyStr(this.approximate)}`;
  }
}
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).silu();
  }
}
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).mish();
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).sigmoid();
  }
}
/** fastai's SigmoidRange: sigmoid(x) * (high - low) + low, squashing a regression's outputs into [low, high]. */
export class SigmoidRange extends Module {
  constructor(
    readonly low: number,
    readonly high: number,
  ) {
    super();
    checkNumber('nn.SigmoidRange', 'low', low);
    checkNumber('nn.SigmoidRange', 'high', high);
    if (!(low < high)) fail('nn.SigmoidRange', 'high', `a number above low (${low})`, high);
  }
  forward(x: Tensor): Tensor {
    return input(this, x)
      .sigmoid()
      .mul(this.high - this.low)
      .add(this.low);
  }
  override extraRepr(): string {
    return `low=${pyFloat(this.low)}, high=${pyFloat(this.high)}`;
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).tanh();
  }
}
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x).hardswish();
  }
}
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    checkInt('nn.Softmax', 'dim', dim);
  }
  forward(x: Tensor): Tensor {
    return input(this, x).softmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    checkInt('nn.LogSoftmax', 'dim', dim);
  }
  forward(x: Tensor): Tensor {
    return input(this, x).logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

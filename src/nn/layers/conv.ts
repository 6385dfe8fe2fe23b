// Convolutions: Conv1d, Conv2d, ConvTranspose2d, with PyTorch's shapes, defaults, init and printout.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyTuple } from '../repr.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { checkInt, checkTensor, fail, optBool, checkOptions, tuple } from '../check.js';

const F = torch.functional;

export interface ConvOptions extends FactoryOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly outputPadding: number[];

  constructor(
    n: number,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | number[],
    o: ConvOptions & { outputPadding?: number | number[] },
    transposed: boolean,
  ) {
    super();
    const fn = `nn.${new.target.name}`;
    checkInt(fn, 'inChannels', inChannels, { min: 0 });
    checkInt(fn, 'outChannels', outChannels, { min: 0 });
    this.kernelSize = tuple(fn, 'kernelSize', kernelSize, n, 1);
    checkOptions(fn, o, ['stride', 'padding', 'dilation', 'groups', 'bias', ...(transposed ? ['outputPadding'] : []), ...FACTORY_KEYS]);
    this.groups = o.groups === undefined ? 1 : checkInt(fn, 'groups', o.groups, { min: 1 });
    if (inChannels % this.groups !== 0) fail(fn, 'groups', `a divisor of inChannels (${inChannels})`, this.groups);
    if (outChannels % this.groups !== 0) fail(fn, 'groups', `a divisor of outChannels (${outChannels})`, this.groups);
    this.stride = tuple(fn, 'stride', o.stride === undefined ? 1 : o.stride, n, 1);
    if (typeof o.padding === 'string' && !transposed) {
      if (o.padding !== 'same' && o.padding !== 'valid') fail(fn, 'padding', "'same', 'valid', or non-negative integers", o.padding);
      if (o.padding === 'same' && this.stride.some((s) => s !== 1))
        throw new torch.ArgumentError(
          fn,
          'padding',
          "stride 1 with padding='same' (padding='same' is not supported for strided convolutions)",
          `stride ${pyTuple(this.stride)}`,
        );
      this.padding = o.padding;
    } else {
      this.padding = tuple(fn, 'padding', o.padding === undefined ? 0 : o.padding, n, 0);
    }
    this.dilation = tuple(fn, 'dilation', o.dilation === undefined ? 1 : o.dilation, n, 1);
    this.outputPadding = tuple(fn, 'outputPadding', o.outputPadding === undefined ? 0 : o.outputPadding, n, 0);
    // PyTorch's rule: each output padding below its stride or its dilation
    if (this.outputPadding.some((p, i) => p >= this.stride[i]! && p >= this.dilation[i]!)) {
      fail(fn, 'outputPadding', `values smaller than stride ${pyTuple(this.stride)} or dilation ${pyTuple(this.dilation)}`, o.outputPadding);
    }
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    const shape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = this.registerParameter('weight', emptyParam(fn, 'weight', shape, f));
    this.bias = this.registerParameter('bias', bias ? emptyParam(fn, 'bias', [outChannels], f) : null);
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      // no inputs (fan_in 0, e.g. inChannels 0): PyTorch skips the bias, leaving torch.empty's garbage; zero it
      if (fanIn === 0) init.zeros_(this.bias);
      else init.uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
  protected convOptions(): torch.functional.ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
}

/** 1-d convolution over (N, C, L) or (C, L). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], o: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, o, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(checkTensor('nn.Conv1d', 'input', x), this.weight, this.bias, this.convOptions());
  }
}

/** 2-d convolution over (N, C, H, W) or (C, H, W): `new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 })`. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], o: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, o, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(checkTensor('nn.Conv2d', 'input', x), this.weight, this.bias, this.convOptions());
  }
}

/** The gradient of Conv2d with respect to its input ("deconvolution"): upsamples by stride. */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | number[],
    o: Omit<ConvOptions, 'padding'> & { padding?: number | number[]; outputPadding?: number | number[] } = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, o, true);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(checkTensor('nn.ConvTranspose2d', 'input', x), this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as number[],
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}

// Convolutions: Conv1d, Conv2d, ConvTranspose2d, with PyTorch's shapes, defaults, init and printout.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyTuple } from '../repr.js';
import { type FactoryOptions, emptyParam, positiveInt } from './options.js';

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

  constructor(n: number, readonly inChannels: number, readonly outChannels: number, kernelSize: number | number[],
    o: ConvOptions & { outputPadding?: number | number[] }, transposed: boolean) {
    super();
    const layer = new.target.name;
    positiveInt('inChannels', inChannels, layer);
    positiveInt('outChannels', outChannels, layer);
    this.groups = positiveInt('groups', o.groups ?? 1, layer);
    if (inChannels % this.groups !== 0) throw new torch.TorchError(`${layer}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new torch.TorchError(`${layer}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = F.tuple(kernelSize, n, `${layer} kernelSize`);
    this.stride = F.tuple(o.stride ?? 1, n, `${layer} stride`);
    this.padding = typeof o.padding === 'string' ? o.padding : F.tuple(o.padding ?? 0, n, `${layer} padding`);
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) throw new torch.TorchError(`${layer}: padding='same' is not supported for strided convolutions`);
    this.dilation = F.tuple(o.dilation ?? 1, n, `${layer} dilation`);
    this.outputPadding = F.tuple(o.outputPadding ?? 0, n, `${layer} outputPadding`);
    const shape = transposed ? [inChannels, outChannels / this.groups, ...this.kernelSize] : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = this.registerParameter('weight', emptyParam(shape, o));
    this.bias = this.registerParameter('bias', o.bias === false ? null : emptyParam([outChannels], o));
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) init.uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
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
    return F.conv1d(x, this.weight, this.bias, this.convOptions());
  }
}

/** 2-d convolution over (N, C, H, W) or (C, H, W): `new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 })`. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], o: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, o, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.convOptions());
  }
}

/** The gradient of Conv2d with respect to its input ("deconvolution"): upsamples by stride. */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[],
    o: Omit<ConvOptions, 'padding'> & { padding?: number | number[]; outputPadding?: number | number[] } = {}) {
    super(2, inChannels, outChannels, kernelSize, o, true);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding as number[],
      outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation });
  }
}

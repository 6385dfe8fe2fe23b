// Normalization layers: BatchNorm1d/2d (running statistics, momentum, eval mode), LayerNorm, GroupNorm.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyFloat, pyTuple } from '../repr.js';
import { type FactoryOptions, emptyParam, positiveInt } from './options.js';

const F = torch.functional;

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Running-average factor; null for a cumulative average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** What batch and instance norm share (PyTorch's _NormBase): affine parameters, running statistics, printout. */
abstract class NormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, o: BatchNormOptions, defaults: { affine: boolean; trackRunningStats: boolean }) {
    super();
    positiveInt('numFeatures', numFeatures, new.target.name);
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? defaults.affine;
    this.trackRunningStats = o.trackRunningStats ?? defaults.trackRunningStats;
    this.weight = this.registerParameter('weight', this.affine ? emptyParam([numFeatures], o) : null);
    this.bias = this.registerParameter('bias', this.affine ? emptyParam([numFeatures], o) : null);
    const track = this.trackRunningStats;
    const f = { device: o.device, dtype: o.dtype };
    this.runningMean = this.registerBuffer('running_mean', track ? torch.zeros([numFeatures], f) : null);
    this.runningVar = this.registerBuffer('running_var', track ? torch.ones([numFeatures], f) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? torch.tensor(0n, { device: o.device }) : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

abstract class BatchNormNd extends NormBase {
  constructor(numFeatures: number, o: BatchNormOptions) {
    super(numFeatures, o, { affine: true, trackRunningStats: true });
  }
  protected abstract checkInput(x: Tensor): void;
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      torch.noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // In training, or without running statistics, normalize by the batch's own statistics.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null,
      { weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps });
  }
}

/** Batch norm over (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new torch.TorchError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input)`);
  }
}

/** Batch norm over (N, C, H, W). */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new torch.TorchError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input)`);
  }
}

/** Normalizes over the trailing dims given by normalizedShape. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | number[], o: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & FactoryOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = o.eps ?? 1e-5;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    this.weight = this.registerParameter('weight', this.elementwiseAffine ? emptyParam(this.normalizedShape, o) : null);
    this.bias = this.registerParameter('bias', this.elementwiseAffine && o.bias !== false ? emptyParam(this.normalizedShape, o) : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Normalizes each group of channels. */
export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  readonly affine: boolean;

  constructor(readonly numGroups: number, readonly numChannels: number, o: { eps?: number; affine?: boolean } & FactoryOptions = {}) {
    super();
    positiveInt('numGroups', numGroups, 'GroupNorm');
    positiveInt('numChannels', numChannels, 'GroupNorm');
    if (numChannels % numGroups !== 0) throw new torch.TorchError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = o.eps ?? 1e-5;
    this.affine = o.affine ?? true;
    this.weight = this.registerParameter('weight', this.affine ? emptyParam([numChannels], o) : null);
    this.bias = this.registerParameter('bias', this.affine ? emptyParam([numChannels], o) : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Instance norm over (N, C, H, W) or (C, H, W): each sample's channels normalized over H x W.
 * As in PyTorch, no affine parameters and no running statistics unless asked. */
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, o: Omit<BatchNormOptions, 'momentum'> & { momentum?: number } = {}) {
    super(numFeatures, o, { affine: false, trackRunningStats: false });
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new torch.TorchError(`InstanceNorm2d: expected 3D or 4D input (got ${x.ndim}D input)`);
    return torch.tidy(() => {
      const xb = x.ndim === 4 ? x : x.unsqueeze(0);
      // PyTorch's instance norm leaves num_batches_tracked alone (the buffer exists for state-dict compatibility)
      const out = F.instanceNorm(xb, { runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias,
        useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum ?? 0.1, eps: this.eps });
      return x.ndim === 4 ? out : out.squeeze(0);
    });
  }
}

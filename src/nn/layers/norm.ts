// Normalization layers: BatchNorm1d/2d (running statistics, momentum, eval mode), LayerNorm, GroupNorm.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { allReduceSumDifferentiable } from '../../torch/distributed/functional.js';
import * as init from '../init.js';
import { pyBool, pyFloat, pyTuple } from '../repr.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { allocating, checkInt, checkNumber, checkTensor, fail, optBool, optNum, checkOptions } from '../check.js';

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

  constructor(
    readonly numFeatures: number,
    o: BatchNormOptions,
    defaults: { affine: boolean; trackRunningStats: boolean },
  ) {
    super();
    const fn = `nn.${new.target.name}`;
    checkInt(fn, 'numFeatures', numFeatures, { min: 0 });
    checkOptions(fn, o, ['eps', 'momentum', 'affine', 'trackRunningStats', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    // null: a cumulative average (PyTorch's momentum=None)
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum === null ? null : checkNumber(fn, 'momentum', o.momentum, { min: 0, max: 1 });
    this.affine = optBool(fn, 'affine', o.affine, defaults.affine);
    this.trackRunningStats = optBool(fn, 'trackRunningStats', o.trackRunningStats, defaults.trackRunningStats);
    const f = factory(fn, o);
    const track = this.trackRunningStats;
    // the statistics first: once they exist nothing below can fail, so a failing constructor leaks nothing
    const stats = track
      ? allocating(fn, 'running statistics', [numFeatures], f, () =>
          torch.tidy(() => [
            torch.zeros([numFeatures], f).keep(),
            torch.ones([numFeatures], f).keep(),
            torch.tensor(0n, { device: f.device }).keep(),
          ]),
        )
      : null;
    try {
      this.weight = this.registerParameter('weight', this.affine ? emptyParam(fn, 'weight', [numFeatures], f) : null);
      this.bias = this.registerParameter('bias', this.affine ? emptyParam(fn, 'bias', [numFeatures], f) : null);
    } catch (e) {
      torch.dispose([stats, this.parameters()]);
      throw e;
    }
    this.runningMean = this.registerBuffer('running_mean', stats ? stats[0]! : null);
    this.runningVar = this.registerBuffer('running_var', stats ? stats[1]! : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', stats ? stats[2]! : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

abstract class BatchNormNd extends NormBase {
  /** Synchronise the batch statistics over the ranks of a process group in training (SyncBatchNorm). */
  syncStats = false;
  constructor(numFeatures: number, o: BatchNormOptions) {
    super(numFeatures, o, { affine: true, trackRunningStats: true });
  }
  protected abstract checkInput(x: Tensor): void;
  forward(x: Tensor): Tensor {
    this.checkInput(checkTensor(`nn.${this.constructor.name}`, 'input', x));
    if (this.syncStats && this.training && torch.distributed.isInitialized() && torch.distributed.getWorldSize() > 1) return this.#syncForward(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      torch.noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // In training, or without running statistics, normalize by the batch's own statistics.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  /** The global batch's statistics: every rank's per-channel sums and count, all-reduced differentiably. */
  #syncForward(x: Tensor): Tensor {
    const fn = `nn.${this.constructor.name}`;
    const c = this.numFeatures;
    const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
    const shape = [1, c, ...Array<number>(x.ndim - 2).fill(1)];
    // sums in float64, so E[x^2] - E[x]^2 keeps float32's precision
    const local = torch.cat([
      x.sum(dims, false, { dtype: 'float64' }),
      x.square().sum(dims, false, { dtype: 'float64' }),
      torch.full([1], x.numel() / c, { dtype: 'float64', device: x.device }),
    ]);
    const all = allReduceSumDifferentiable(fn, local);
    const n = all.narrow(0, 2 * c, 1).item();
    const mean = all.narrow(0, 0, c).div(n);
    const variance = all.narrow(0, c, c).div(n).sub(mean.square());
    let y = x.sub(mean.to({ dtype: x.dtype }).view(shape)).mul(variance.add(this.eps).rsqrt().to({ dtype: x.dtype }).view(shape));
    if (this.weight && this.bias) y = y.mul(this.weight.view(shape)).add(this.bias.view(shape));
    if (this.trackRunningStats && this.runningMean && this.runningVar && this.numBatchesTracked) {
      torch.noGrad(() => {
        this.numBatchesTracked!.add_(1);
        const f = this.momentum ?? 1 / this.numBatchesTracked!.item();
        this.runningMean!.mul_(1 - f).add_(mean.to({ dtype: this.runningMean!.dtype }), f);
        // the running variance is the unbiased one, as batch_norm keeps it
        this.runningVar!.mul_(1 - f).add_(variance.mul(n / Math.max(n - 1, 1)).to({ dtype: this.runningVar!.dtype }), f);
      });
    }
    return y;
  }
}

/** Batch norm over (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) fail('nn.BatchNorm1d', 'input', `a 2-d (N, C) or 3-d (N, C, L) tensor`, x);
  }
}

/** Batch norm over (N, C, H, W). */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) fail('nn.BatchNorm2d', 'input', 'a 4-d (N, C, H, W) tensor', x);
  }
}

/**
 * PyTorch's SyncBatchNorm: in training under a process group of several ranks, the batch statistics are those of
 * the whole global batch (each rank's sums all-reduced, differentiably, so the gradient is the global batch norm's
 * too); otherwise a plain batch norm. Any input (N, C, ...). convertSyncBatchnorm turns a model's BatchNorm layers
 * into synchronised ones.
 */
export class SyncBatchNorm extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
    this.syncStats = true;
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim < 2 || x.shape[1] !== this.numFeatures) fail('nn.SyncBatchNorm', 'input', `a tensor (N, ${this.numFeatures}, ...)`, x);
  }

  /** PyTorch's convert_sync_batchnorm: every BatchNorm layer of the module (BatchNorm1d/2d) synchronises its batch
   * statistics from now on, keeping its parameters and buffers. Returns the module. */
  static convertSyncBatchnorm<M extends Module>(module: M): M {
    if (!(module instanceof Module)) fail('nn.SyncBatchNorm.convertSyncBatchnorm', 'module', 'an nn.Module', module);
    for (const m of module.modules()) if (m instanceof BatchNormNd) m.syncStats = true;
    return module;
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
    const fn = 'nn.LayerNorm';
    if (typeof normalizedShape === 'number') this.normalizedShape = [checkInt(fn, 'normalizedShape', normalizedShape, { min: 0 })];
    else if (Array.isArray(normalizedShape) && normalizedShape.length > 0)
      this.normalizedShape = normalizedShape.map((d, i) => checkInt(fn, `normalizedShape[${i}]`, d, { min: 0 }));
    else fail(fn, 'normalizedShape', 'a non-negative integer or a non-empty array of them', normalizedShape);
    checkOptions(fn, o, ['eps', 'elementwiseAffine', 'bias', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    this.elementwiseAffine = optBool(fn, 'elementwiseAffine', o.elementwiseAffine, true);
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', this.elementwiseAffine ? emptyParam(fn, 'weight', this.normalizedShape, f) : null);
    try {
      this.bias = this.registerParameter('bias', this.elementwiseAffine && bias ? emptyParam(fn, 'bias', this.normalizedShape, f) : null);
    } catch (e) {
      this.dispose();
      throw e;
    }
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(checkTensor('nn.LayerNorm', 'input', x), this.normalizedShape, this.weight, this.bias, this.eps);
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

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    o: { eps?: number; affine?: boolean } & FactoryOptions = {},
  ) {
    super();
    const fn = 'nn.GroupNorm';
    checkInt(fn, 'numGroups', numGroups, { min: 1 });
    checkInt(fn, 'numChannels', numChannels, { min: 0 });
    if (numChannels % numGroups !== 0) fail(fn, 'numGroups', `a divisor of numChannels (${numChannels})`, numGroups);
    checkOptions(fn, o, ['eps', 'affine', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    this.affine = optBool(fn, 'affine', o.affine, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', this.affine ? emptyParam(fn, 'weight', [numChannels], f) : null);
    this.bias = this.registerParameter('bias', this.affine ? emptyParam(fn, 'bias', [numChannels], f) : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(checkTensor('nn.GroupNorm', 'input', x), this.numGroups, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Instance norm over (N, C, H, W) or (C, H, W): each sample's channels normalized over H x W.
 * As in PyTorch, no affine parameters and no running statistics unless asked. */
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o, { affine: false, trackRunningStats: false });
  }
  forward(x: Tensor): Tensor {
    if (checkTensor('nn.InstanceNorm2d', 'input', x).ndim !== 3 && x.ndim !== 4)
      fail('nn.InstanceNorm2d', 'input', 'a 3-d (C, H, W) or 4-d (N, C, H, W) tensor', x);
    return torch.tidy(() => {
      const xb = x.ndim === 4 ? x : x.unsqueeze(0);
      // PyTorch's instance norm leaves num_batches_tracked alone (the buffer exists for state-dict compatibility)
      const out = F.instanceNorm(xb, {
        runningMean: this.runningMean,
        runningVar: this.runningVar,
        weight: this.weight,
        bias: this.bias,
        useInputStats: this.training || !this.trackRunningStats,
        momentum: this.momentum ?? 0,
        eps: this.eps,
      }); // None: 0, as PyTorch's
      return x.ndim === 4 ? out : out.squeeze(0);
    });
  }
}

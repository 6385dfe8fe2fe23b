// Mixed-precision training (fastai's MixedPrecision): the forward pass and the loss run under autocast
// (bfloat16 on the CPU, float16 on CUDA by default); with float16 a GradScaler scales the loss before backward,
// unscales the gradients before the step and skips steps whose gradients overflowed (CancelStepException).
// learn.loss stays the unscaled loss, so logs and the smoothed loss are true values (fastai#3048).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { GradScaler, type GradScalerOptions } from '../optim/index.js';
import { CancelStepException, type AroundPhase } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { checkInt, checkNumber, checkOneOf, checkOptions, fail } from '../torch/validate.js';

export interface MixedPrecisionOptions extends GradScalerOptions {
  /** 'bfloat16' (default on the CPU) or 'float16' (default on CUDA). */
  dtype?: 'bfloat16' | 'float16';
  /** Use the GradScaler; default: only with float16 (bfloat16 has float32's range). */
  scaler?: boolean;
}

export class MixedPrecision extends Callback {
  // after GradientAccumulation (6), so gradients are unscaled once, when the step really happens
  override order = 10;
  /** The loss scaler, made at the first fit (enabled for float16); it keeps its scale across fits, as PyTorch's. */
  scaler: GradScaler | null = null;
  /** Steps skipped because the gradients overflowed, over this callback's life. */
  skippedSteps = 0;
  private readonly o: MixedPrecisionOptions;
  private deviceType: torch.AutocastDevice = 'cpu';
  private foundInf: Tensor | null = null;

  constructor(o: MixedPrecisionOptions = {}) {
    super();
    const fn = 'callbacks.MixedPrecision';
    checkOptions(fn, o, ['dtype', 'scaler', 'initScale', 'growthFactor', 'backoffFactor', 'growthInterval'], 'opts');
    if (o.dtype !== undefined) checkOneOf(fn, 'opts.dtype', o.dtype, ['bfloat16', 'float16']);
    if (o.scaler !== undefined && typeof o.scaler !== 'boolean') fail(fn, 'opts.scaler', 'a boolean', o.scaler);
    // GradScaler's ranges, checked here so the message names MixedPrecision and the option
    if (o.initScale !== undefined) checkNumber(fn, 'opts.initScale', o.initScale, { gt: 0 });
    if (o.growthFactor !== undefined) checkNumber(fn, 'opts.growthFactor', o.growthFactor, { gt: 1 });
    if (o.backoffFactor !== undefined && !(typeof o.backoffFactor === 'number' && o.backoffFactor > 0 && o.backoffFactor < 1)) {
      fail(fn, 'opts.backoffFactor', 'a number in (0, 1)', o.backoffFactor);
    }
    if (o.growthInterval !== undefined) checkInt(fn, 'opts.growthInterval', o.growthInterval, { min: 1 });
    this.o = { ...o };
  }

  private get dtype(): 'bfloat16' | 'float16' {
    return this.o.dtype ?? (this.deviceType === 'cuda' ? 'float16' : 'bfloat16');
  }

  override beforeFit(): void {
    this.deviceType = (this.dls.device ?? 'cpu').startsWith('cuda') ? 'cuda' : 'cpu';
    this.scaler ??= new GradScaler({ ...this.o, enabled: this.o.scaler ?? this.dtype === 'float16' });
  }
  override aroundPhases: readonly AroundPhase[] = ['predict', 'getLoss'];
  /** The forward pass and the loss run under autocast; it is left on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'predict' && phase !== 'getLoss') return next();
    const exit = torch.enterAutocast(this.deviceType, { dtype: this.dtype });
    try {
      await next();
    } finally {
      exit();
    }
  }
  override afterPred(): void {
    const p = this.learn.pred;
    if (p && (p.dtype === 'float16' || p.dtype === 'bfloat16')) this.learn.pred = p.float();
  }
  override beforeBackward(): void {
    if (this.scaler?.enabled) this.learn.lossGrad = this.scaler.scale(this.learn.lossGrad!);
  }
  override beforeStep(): void {
    this.foundInf = null;
    if (!this.scaler?.enabled) return;
    this.foundInf = this.scaler.unscale_(this.model.parameters());
    if (this.foundInf.item() > 0) {
      this.skippedSteps++;
      throw new CancelStepException();
    }
  }
  override afterStep(): void {
    if (this.foundInf) this.scaler!.update(this.foundInf);
    this.foundInf = null;
  }
}

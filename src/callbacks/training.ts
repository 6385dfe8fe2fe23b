// Training callbacks: TerminateOnNaN, GradientClip, GradientAccumulation.
import { clipGradNorm_ } from '../nn/index.js';
import { CancelBatchException, CancelFitException, type AroundPhase } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { checkInt, checkNumber } from '../torch/validate.js';

/** Stops the fit when the loss becomes NaN or infinite (reads the loss each batch to know). */
export class TerminateOnNaNCallback extends Callback {
  override order = -9;
  override afterBatch(): void {
    const l = this.learn.loss;
    if (l && !Number.isFinite(l.item())) throw new CancelFitException();
  }
}

/** Clips the gradients' total norm before each step. */
export class GradientClip extends Callback {
  // after GradientAccumulation (6) and MixedPrecision (10): clips the accumulated, unscaled gradients once per
  // real step (fastai's order 0 clips float16-scaled gradients, whose norm is the scale times too large)
  override order = 20;
  readonly maxNorm: number;
  readonly normType: number;
  constructor(maxNorm = 1, normType = 2) {
    super();
    this.maxNorm = checkNumber('callbacks.GradientClip', 'maxNorm', maxNorm, { gt: 0 });
    // a p-norm (p > 0) or Infinity, the largest absolute value
    this.normType = checkNumber('callbacks.GradientClip', 'normType', normType, { gt: 0, infinite: true });
  }
  override beforeStep(): void {
    clipGradNorm_(this.learn.model.parameters(), this.maxNorm, this.normType).dispose();
  }
}

/** Steps only every nAcc samples, accumulating gradients in between (the loss is scaled so the update is the
 * average over the samples; CancelBatchException skips step and zeroGrad, as in fastai). */
export class GradientAccumulation extends Callback {
  override order = 6;
  override runValid = false;
  private count = 0;
  readonly nAcc: number;
  constructor(nAcc = 32) {
    super();
    this.nAcc = checkInt('callbacks.GradientAccumulation', 'nAcc', nAcc, { min: 1 });
  }
  private bs(): number {
    return this.learn.yb[0]?.shape[0] ?? 1;
  }
  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** A fit starts counting afresh and, on every exit path, drops the gradients of a partial accumulation (they
   * would otherwise be added to the next fit's first step). */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit') return next();
    this.count = 0;
    try {
      await next();
    } finally {
      this.learn.opt?.zeroGrad();
    }
  }
  override afterLoss(): void {
    this.learn.lossGrad = this.learn.lossGrad!.div(this.nAcc / this.bs());
  }
  override beforeStep(): void {
    this.count += this.bs();
    if (this.count < this.nAcc) throw new CancelBatchException();
    this.count = 0;
  }
}

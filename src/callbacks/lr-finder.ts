// LRFinder: an exponentially growing learning rate over numIt training batches, stopping when the smoothed
// loss passes 4x its best; no validation; the model and optimizer are restored exactly afterwards.
import * as torch from '../torch/index.js';
import { CancelFitException, CancelValidException, type AroundPhase } from '../learner/index.js';
import { SchedExp, type Value } from '../schedule/index.js';
import { ParamScheduler } from './param-scheduler.js';
import { checkInt, checkNumber, fail } from '../torch/validate.js';

/** A learning rate > 0 (finite), or one per parameter group. */
function checkValue(fn: string, arg: string, v: unknown): Value {
  if (Array.isArray(v) && v.length > 0) return v.map((x, i) => checkNumber(fn, `${arg}[${i}]`, x, { gt: 0 }));
  if (typeof v === 'number') return checkNumber(fn, arg, v, { gt: 0 });
  return fail(fn, arg, 'a learning rate > 0, or one per parameter group', v);
}

export class LRFinder extends ParamScheduler {
  readonly numIt: number;
  bestLoss = Infinity;

  readonly stopDiv: boolean;
  constructor(startLr: Value = 1e-7, endLr: Value = 10, numIt = 100, stopDiv = true) {
    const fn = 'callbacks.LRFinder';
    super({ lr: SchedExp(checkValue(fn, 'startLr', startLr), checkValue(fn, 'endLr', endLr)) });
    this.numIt = Math.max(6, checkInt(fn, 'numIt', numIt, { min: 1 }));
    if (typeof stopDiv !== 'boolean') fail(fn, 'stopDiv', 'a boolean', stopDiv);
    this.stopDiv = stopDiv;
  }
  override beforeFit(): void {
    super.beforeFit();
    this.bestLoss = Infinity;
  }
  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** The model and optimizer are put back exactly as they were, on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit') return next();
    // an exact snapshot, in memory
    const model = torch.tidy(() => Object.fromEntries(Object.entries(this.learn.model.stateDict()).map(([k, t]) => [k, t.clone().keep()])));
    const opt = this.learn.opt ? this.learn.opt.stateDict() : null;
    try {
      await next();
    } finally {
      this.learn.opt?.zeroGrad();
      this.learn.model.loadStateDict(model);
      torch.dispose(model);
      if (opt) {
        this.learn.opt!.loadStateDict(opt);
        torch.dispose(opt.state);
      }
    }
  }
  override beforeBatch(): void {
    const pos = this.learn.trainIter / this.numIt;
    this.learn.opt!.setHyper('lr', this.scheds.lr!(Math.min(pos, 1)));
  }
  override afterBatch(): void {
    super.afterBatch();
    // the finder must watch every batch's smoothed loss, so it reads it each time (a diagnostic run)
    const loss = this.learn.smoothLoss;
    if (loss === null) return;
    if (loss < this.bestLoss) this.bestLoss = loss;
    if (this.stopDiv && (loss > 4 * this.bestLoss || Number.isNaN(loss))) throw new CancelFitException();
    if (this.learn.trainIter >= this.numIt) throw new CancelFitException();
  }
  override beforeValidate(): void {
    throw new CancelValidException();
  }
}

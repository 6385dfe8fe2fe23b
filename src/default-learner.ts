// The Learner as users get it: the loop from src/learner with fastai's default callbacks from src/callbacks.
// (This file sits above both layers, so neither imports the other.)
import type { Module } from './nn/index.js';
import type { DataLoaders } from './data/index.js';
import { BaseLearner, type LearnerOptions } from './learner/index.js';
import { CastToTensor, ProgressCallback, Recorder, TrainEvalCallback } from './callbacks/index.js';

export class Learner extends BaseLearner {
  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}) {
    super(dls, model, o, [TrainEvalCallback, CastToTensor, Recorder, ProgressCallback]);
  }
  /** Runs fn without the progress callback (no bars, no table), restoring it afterwards (fastai's no_bar). */
  async noBar<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.withoutCbs([ProgressCallback], fn);
  }
  /** The Recorder (a default callback), unless defaultCbs was false. */
  get recorder(): Recorder | undefined {
    return this.cbs.find((c): c is Recorder => c instanceof Recorder);
  }
  /** The ProgressCallback (a default callback), unless defaultCbs was false or noBar is active. */
  get progress(): ProgressCallback | undefined {
    return this.cbs.find((c): c is ProgressCallback => c instanceof ProgressCallback);
  }
  /** The TrainEvalCallback (a default callback), unless defaultCbs was false. */
  get trainEval(): TrainEvalCallback | undefined {
    return this.cbs.find((c): c is TrainEvalCallback => c instanceof TrainEvalCallback);
  }
}

// The Learner as users get it: the loop from src/learner with fastai's default callbacks from src/callbacks
// and the epoch table as its logger. (This file sits above both layers, so neither imports the other.)
import type { Module } from './nn/index.js';
import type { DataLoaders } from './data/index.js';
import { BaseLearner, type LearnerOptions } from './learner/index.js';
import { Recorder, TrainEvalCallback } from './callbacks/index.js';
import { tableLogger } from './progress/table.js';

export class Learner extends BaseLearner {
  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}) {
    super(dls, model, o, [TrainEvalCallback, Recorder]);
    this.logger = tableLogger(() => this.recorder?.metricNames ?? []);
  }
  /** The Recorder (a default callback), unless defaultCbs was false. */
  get recorder(): Recorder | undefined {
    return this.cbs.find((c): c is Recorder => c instanceof Recorder);
  }
  /** The TrainEvalCallback (a default callback), unless defaultCbs was false. */
  get trainEval(): TrainEvalCallback | undefined {
    return this.cbs.find((c): c is TrainEvalCallback => c instanceof TrainEvalCallback);
  }
}

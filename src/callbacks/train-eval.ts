// TrainEvalCallback (order -10): model to the data's device at the start of fit, train/eval mode per phase,
// and the training counters (trainIter, pctTrain).
import { Callback } from '../learner/callback.js';

export class TrainEvalCallback extends Callback {
  override order = -10;
  override runValid = false;

  override afterCreate(): void {
    this.learn.nEpoch = 1;
  }
  override beforeFit(): void {
    const l = this.learn;
    if (!l.validatingOnly) {
      l.epoch = 0;
      l.trainIter = 0;
      l.pctTrain = 0;
    }
    l.model.to(l.dls.device);
    if (typeof l.lossFunc === 'object') l.lossFunc.to(l.dls.device);
  }
  override beforeTrain(): void {
    this.learn.pctTrain = this.learn.epoch / this.learn.nEpoch;
    this.learn.model.train();
    this.learn.training = true;
  }
  override afterBatch(): void {
    this.learn.pctTrain += 1 / (this.learn.nIter * this.learn.nEpoch);
    this.learn.trainIter += 1;
  }
  override beforeValidate(): void {
    this.learn.model.eval();
    this.learn.training = false;
  }
}

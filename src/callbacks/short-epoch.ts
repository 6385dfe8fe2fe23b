// ShortEpochCallback: fits only the first pct of each epoch's batches (a quick run to check a pipeline).
import { CancelTrainException, CancelValidException } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { checkBool, checkNumber } from '../torch/validate.js';

/**
 * Stops each training epoch once pct of its batches have run, and each validation too when shortValid (fastai's
 * ShortEpochCallback). At least one batch runs. Unlike fastai, which cancels after batch index pct*n (so one batch
 * more), it counts the batches done: pct 0.25 of 16 batches runs 4.
 */
export class ShortEpochCallback extends Callback {
  // after the Recorder (50), the schedulers and the progress bar (60): the last batch is recorded like the others
  override order = 70;
  readonly pct: number;
  readonly shortValid: boolean;
  constructor(pct = 0.01, shortValid = true) {
    super();
    const fn = 'callbacks.ShortEpochCallback';
    this.pct = checkNumber(fn, 'pct', pct, { gt: 0, max: 1 });
    this.shortValid = checkBool(fn, 'shortValid', shortValid);
  }
  override afterBatch(): void {
    const { iter, nIter, training } = this.learn;
    // the last batch ends its phase anyway: no cancellation (nor afterCancel events) for a pct that covers it
    if ((iter + 1) / nIter < this.pct || iter + 1 >= nIter) return;
    if (training) throw new CancelTrainException();
    if (this.shortValid) throw new CancelValidException();
  }
}

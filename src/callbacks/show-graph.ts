// ShowGraphCallback: fastai's live loss graph, as a chart file redrawn after each epoch (a terminal has no
// canvas): training and validation losses so far, written atomically so a viewer never sees half a file.
import { join } from 'node:path';
import { Callback } from '../learner/callback.js';
import { isMainProcess } from '../learner/rank.js';
import { FlintError } from '../torch/index.js';
import { checkPath } from '../learner/checks.js';
import { LRFinder } from './lr-finder.js';
import { Recorder } from './recorder.js';

export class ShowGraphCallback extends Callback {
  override order = 65;
  override runValid = false;
  /** The chart goes to `<learn.path>/<fname>.svg|png`. */
  readonly fname: string;
  constructor(fname = 'loss') {
    super();
    checkPath('callbacks.ShowGraphCallback', 'fname', fname);
    this.fname = fname;
  }
  override beforeFit(): void {
    // not during the LR finder or validate(), as in fastai (the learner sets run back to true after the fit)
    this.run = !this.learn.validatingOnly && !this.learn.cbs.some((c) => c instanceof LRFinder);
    if (this.run && !(this.learn.cb('recorder') instanceof Recorder)) throw new FlintError('ShowGraphCallback needs the Recorder (defaultCbs)');
  }
  override afterEpoch(): void {
    if (!isMainProcess()) return;
    (this.learn.cb('recorder') as Recorder).plotLoss({ skipStart: 0, file: join(this.learn.path, this.fname) });
  }
}

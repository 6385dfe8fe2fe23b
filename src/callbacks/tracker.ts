// Callbacks that track a recorded value across epochs (fastai's TrackerCallback): EarlyStoppingCallback,
// SaveModelCallback, ReduceLROnPlateau.
import * as torch from '../torch/index.js';
import { CancelFitException } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import type { Recorder } from './recorder.js';

export interface TrackerOptions {
  /** A column of the epoch table (default 'valid_loss'). */
  monitor?: string;
  /** 'less' is better for names with 'loss' or 'error', else 'greater' (fastai's inference). */
  comp?: 'less' | 'greater';
  minDelta?: number;
  resetOnFit?: boolean;
}

export class TrackerCallback extends Callback {
  override order = 60;
  readonly monitor: string;
  readonly comp: 'less' | 'greater';
  readonly minDelta: number;
  readonly resetOnFit: boolean;
  best: number | null = null;
  newBest = false;
  private idx = -1;

  constructor(o: TrackerOptions = {}) {
    super();
    this.monitor = o.monitor ?? 'valid_loss';
    this.comp = o.comp ?? (/loss|error/i.test(this.monitor) ? 'less' : 'greater');
    this.minDelta = this.comp === 'less' ? -(o.minDelta ?? 0) : (o.minDelta ?? 0);
    this.resetOnFit = o.resetOnFit ?? true;
  }
  override beforeFit(): void {
    if (this.resetOnFit || this.best === null) this.best = this.comp === 'less' ? Infinity : -Infinity;
    const names = this.learn.cb<Recorder>('recorder')?.metricNames ?? [];
    this.idx = names.slice(1).indexOf(this.monitor);
    if (this.idx < 0) throw new torch.TorchError(`${this.constructor.name}: '${this.monitor}' is not a recorded column (${names.slice(1).join(', ')})`);
  }
  override afterEpoch(): void {
    const values = this.learn.cb<Recorder>('recorder')!.values;
    const v = values[values.length - 1]?.[this.idx];
    this.newBest = v !== undefined && (this.comp === 'less' ? v - this.minDelta < this.best! : v - this.minDelta > this.best!);
    if (this.newBest) this.best = v!;
  }
}

/** A tracker that counts epochs without improvement, for the callbacks that act after `patience` of them. */
abstract class PatientTracker extends TrackerCallback {
  wait = 0;
  readonly patience: number;
  constructor(o: TrackerOptions & { patience?: number }) {
    super(o);
    this.patience = o.patience ?? 1;
  }
  override beforeFit(): void {
    this.wait = 0;
    super.beforeFit();
  }
  override afterEpoch(): void {
    super.afterEpoch();
    this.wait = this.newBest ? 0 : this.wait + 1;
    if (this.wait >= this.patience) this.onPlateau();
  }
  protected abstract onPlateau(): void;
}

/** Stops when the monitored value has not improved for `patience` epochs. */
export class EarlyStoppingCallback extends PatientTracker {
  override order = 63;
  constructor(o: TrackerOptions & { patience?: number } = {}) { super(o); }
  protected onPlateau(): void {
    console.log(`No improvement since epoch ${this.learn.epoch - this.wait}: early stopping`);
    throw new CancelFitException();
  }
}

/** Saves the model when the monitored value improves (or every epoch, or at the end) and reloads the best at
 * the end of the fit. */
export class SaveModelCallback extends TrackerCallback {
  readonly fname: string;
  readonly everyEpoch: number | false;
  readonly atEnd: boolean;
  readonly withOpt: boolean;
  lastSavedPath: string | null = null;
  constructor(o: TrackerOptions & { fname?: string; everyEpoch?: number | boolean; atEnd?: boolean; withOpt?: boolean } = {}) {
    super(o);
    this.fname = o.fname ?? 'model';
    this.everyEpoch = o.everyEpoch === true ? 1 : (o.everyEpoch || false);
    this.atEnd = o.atEnd ?? false;
    this.withOpt = o.withOpt ?? false;
  }
  private save(name: string): void {
    this.lastSavedPath = this.learn.save(name, { withOpt: this.withOpt });
  }
  override afterEpoch(): void {
    if (this.everyEpoch) {
      if (this.learn.epoch % this.everyEpoch === 0) this.save(`${this.fname}_${this.learn.epoch}`);
      return;
    }
    super.afterEpoch();
    if (this.newBest) {
      console.log(`Better model found at epoch ${this.learn.epoch} with ${this.monitor} value: ${this.best}.`);
      this.save(this.fname);
    }
  }
  override afterFit(): void {
    if (this.atEnd) this.save(this.fname);
    else if (!this.everyEpoch && this.lastSavedPath) this.learn.load(this.fname, { withOpt: this.withOpt });
  }
}

/** Divides the learning rate by `factor` (down to minLr) after `patience` epochs without improvement. */
export class ReduceLROnPlateau extends PatientTracker {
  override order = 62;
  readonly factor: number;
  readonly minLr: number;
  constructor(o: TrackerOptions & { patience?: number; factor?: number; minLr?: number } = {}) {
    super(o);
    this.factor = o.factor ?? 10;
    this.minLr = o.minLr ?? 0;
  }
  protected onPlateau(): void {
    const hypers = this.learn.opt!.hypers;
    const old = hypers[hypers.length - 1]!.lr!;
    for (const h of hypers) h.lr = Math.max(h.lr! / this.factor, this.minLr);
    this.wait = 0;
    if (hypers[hypers.length - 1]!.lr! < old) console.log(`Epoch ${this.learn.epoch}: reducing lr to ${hypers[hypers.length - 1]!.lr}`);
  }
}

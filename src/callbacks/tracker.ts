// Callbacks that track a recorded value across epochs (fastai's TrackerCallback): EarlyStoppingCallback,
// SaveModelCallback, ReduceLROnPlateau.
import * as torch from '../torch/index.js';
import { CancelFitException } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { checkInt, checkNumber, checkOneOf, checkOptions, fail } from '../torch/validate.js';
import { checkPath, optBool } from '../learner/checks.js';
import type { Recorder } from './recorder.js';
import { LRFinder } from './lr-finder.js';

const TRACKER_OPTIONS = ['monitor', 'comp', 'minDelta', 'resetOnFit'] as const;

/** Checks a tracker's options under the public name of the callback being made. */
function checkTracker(fn: string, o: unknown, extra: readonly string[]): TrackerOptions {
  const opts = checkOptions(fn, o as TrackerOptions, [...TRACKER_OPTIONS, ...extra], 'opts');
  if (opts.monitor !== undefined && (typeof opts.monitor !== 'string' || opts.monitor === ''))
    fail(fn, 'opts.monitor', 'a column name', opts.monitor);
  if (opts.comp !== undefined) checkOneOf(fn, 'opts.comp', opts.comp, ['less', 'greater']);
  if (opts.minDelta !== undefined) checkNumber(fn, 'opts.minDelta', opts.minDelta, { min: 0 });
  optBool(fn, 'opts.resetOnFit', opts.resetOnFit);
  return opts;
}

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
    // subclasses check their options (and these) under their own names first
    if (new.target === TrackerCallback) checkTracker('callbacks.TrackerCallback', o, []);
    this.monitor = o.monitor ?? 'valid_loss';
    this.comp = o.comp ?? (/loss|error/i.test(this.monitor) ? 'less' : 'greater');
    this.minDelta = this.comp === 'less' ? -(o.minDelta ?? 0) : (o.minDelta ?? 0);
    this.resetOnFit = o.resetOnFit ?? true;
  }
  override beforeFit(): void {
    // fastai's `self.run = not hasattr(self, "lr_finder")`: the finder validates nothing and restores the model,
    // so there is nothing to track (its epochs would stop it early or save its models); run is back on after the fit
    this.run = !this.learn.cbs.some((c) => c instanceof LRFinder);
    if (!this.run) return;
    if (this.resetOnFit || this.best === null) this.best = this.comp === 'less' ? Infinity : -Infinity;
    const names = this.learn.cb<Recorder>('recorder')?.metricNames ?? [];
    this.idx = names.slice(1).indexOf(this.monitor);
    if (this.idx < 0)
      throw new torch.FlintError(`${this.constructor.name}: '${this.monitor}' is not a recorded column (${names.slice(1).join(', ')})`);
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
  /** Checks the options of a patient tracker (fn: its public name) before it is made. */
  protected static checkPatient(fn: string, o: unknown, extra: readonly string[] = []): TrackerOptions & { patience?: number } {
    const opts = checkTracker(fn, o, ['patience', ...extra]) as TrackerOptions & { patience?: number };
    if (opts.patience !== undefined) checkInt(fn, 'opts.patience', opts.patience, { min: 1 });
    return opts;
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
  constructor(o: TrackerOptions & { patience?: number } = {}) {
    super(PatientTracker.checkPatient('callbacks.EarlyStoppingCallback', o));
  }
  protected onPlateau(): void {
    console.log(`No improvement since epoch ${this.learn.epoch - this.wait}: early stopping`);
    throw new CancelFitException();
  }
}

export interface SaveModelOptions extends TrackerOptions {
  fname?: string;
  everyEpoch?: number | boolean;
  atEnd?: boolean;
  withOpt?: boolean;
  /** On Ctrl-C (the fit interrupted by SIGINT), save the model as it is to `<fname>_interrupted`. */
  saveOnInterrupt?: boolean;
}

function checkSaveModel(o: unknown): SaveModelOptions {
  const fn = 'callbacks.SaveModelCallback';
  const opts = checkTracker(fn, o, ['fname', 'everyEpoch', 'atEnd', 'withOpt', 'saveOnInterrupt']) as SaveModelOptions;
  if (opts.fname !== undefined) checkPath(fn, 'opts.fname', opts.fname);
  if (opts.everyEpoch !== undefined && typeof opts.everyEpoch !== 'boolean') checkInt(fn, 'opts.everyEpoch', opts.everyEpoch, { min: 1 });
  for (const k of ['atEnd', 'withOpt', 'saveOnInterrupt'] as const) optBool(fn, `opts.${k}`, opts[k]);
  return opts;
}

/** Saves the model when the monitored value improves (or every epoch, or at the end) and reloads the best at
 * the end of the fit. A fit interrupted by Ctrl-C saves the model as it is with saveOnInterrupt, and otherwise
 * warns when this fit saved no checkpoint yet. */
export class SaveModelCallback extends TrackerCallback {
  readonly fname: string;
  readonly everyEpoch: number | false;
  readonly atEnd: boolean;
  readonly withOpt: boolean;
  readonly saveOnInterrupt: boolean;
  lastSavedPath: string | null = null;
  /** Where the last Ctrl-C interruption was saved (saveOnInterrupt), else null. */
  interruptedPath: string | null = null;
  constructor(o: SaveModelOptions = {}) {
    super(checkSaveModel(o));
    this.fname = o.fname ?? 'model';
    this.everyEpoch = o.everyEpoch === true ? 1 : o.everyEpoch || false;
    this.atEnd = o.atEnd ?? false;
    // with the optimizer state by default (fastai's default is without): resuming from the checkpoint then repeats
    // the uninterrupted run
    this.withOpt = o.withOpt ?? true;
    this.saveOnInterrupt = o.saveOnInterrupt ?? false;
  }
  /** Whether this fit saved a checkpoint yet (lastSavedPath may be an earlier fit's). */
  private savedThisFit = false;
  private save(name: string): void {
    this.lastSavedPath = this.learn.save(name, { withOpt: this.withOpt });
    this.savedThisFit = true;
  }
  override beforeFit(): void {
    super.beforeFit();
    this.savedThisFit = false;
    this.interruptedPath = null;
  }
  override afterCancelFit(): void {
    if (!this.learn.interrupted) return; // early stopping and other cancellations end the fit normally
    if (this.saveOnInterrupt) {
      this.interruptedPath = this.learn.save(`${this.fname}_interrupted`, { withOpt: this.withOpt });
      console.warn(
        `SaveModelCallback: interrupted in epoch ${this.learn.epoch}, batch ${this.learn.iter}: saved the model as it was to ${this.interruptedPath}`,
      );
    } else if (!this.savedThisFit) {
      console.warn(
        `SaveModelCallback: interrupted in epoch ${this.learn.epoch} before any checkpoint was saved, so there is no '${this.fname}' ` +
          'checkpoint from this fit (pass saveOnInterrupt: true to save the model at an interruption)',
      );
    }
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
    super(ReduceLROnPlateau.checkOptions(o));
    this.factor = o.factor ?? 10;
    this.minLr = o.minLr ?? 0;
  }
  private static checkOptions(o: unknown): TrackerOptions & { patience?: number; factor?: number; minLr?: number } {
    const fn = 'callbacks.ReduceLROnPlateau';
    const opts = PatientTracker.checkPatient(fn, o, ['factor', 'minLr']) as TrackerOptions & { factor?: number; minLr?: number };
    // the lr is divided by factor: below 1 it would grow
    if (opts.factor !== undefined) checkNumber(fn, 'opts.factor', opts.factor, { min: 1 });
    if (opts.minLr !== undefined) checkNumber(fn, 'opts.minLr', opts.minLr, { min: 0 });
    return opts;
  }
  protected onPlateau(): void {
    const hypers = this.learn.opt!.hypers;
    const old = hypers[hypers.length - 1]!.lr!;
    for (const h of hypers) h.lr = Math.max(h.lr! / this.factor, this.minLr);
    this.wait = 0;
    if (hypers[hypers.length - 1]!.lr! < old) console.log(`Epoch ${this.learn.epoch}: reducing lr to ${hypers[hypers.length - 1]!.lr}`);
  }
}

// Multi-label metrics (one sigmoid per label, a threshold): per-label counts with tensor ops, averaged as
// scikit-learn does for label-indicator targets ('macro', 'micro', 'weighted').
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';
import { labelled } from './metric.js';
import { averagePrecision, rocAuc } from './ranking.js';
import { checkBool, checkNumber, checkOneOf, checkOptions } from './check.js';

/** Checks the options a multi-label metric takes (`keys`), naming the factory. */
function multiOptions<T extends object>(fn: string, options: T | undefined, keys: readonly string[]): T {
  const o = checkOptions(fn, options, keys) as MultiOptions;
  if (o.thresh !== undefined) checkNumber(fn, 'options.thresh', o.thresh);
  if (o.sigmoid !== undefined) checkBool(fn, 'options.sigmoid', o.sigmoid);
  if (o.average !== undefined) checkOneOf(fn, 'options.average', o.average, ['macro', 'micro', 'weighted'] as const);
  return { ...o } as T;
}
const ALL = ['thresh', 'sigmoid', 'average'] as const;
const DECIDE = ['thresh', 'sigmoid'] as const;
/** Labels [N, L]: the per-label metrics need two dims and matching targets. */
function labels(p: Tensor, t: Tensor): void {
  if (p.ndim !== 2) throw new torch.FlintError(`multi-label predictions must be [N, labels], got a ${p.ndim}-d tensor`);
  if (t.shape.join() !== p.shape.join())
    throw new torch.FlintError(`targets [${t.shape.join(', ')}] do not match the predictions [${p.shape.join(', ')}]`);
}

export interface MultiOptions {
  thresh?: number;
  /** Apply a sigmoid to the predictions first (default true). */
  sigmoid?: boolean;
  average?: 'macro' | 'micro' | 'weighted';
}

function decide(p: Tensor, o: MultiOptions): Tensor {
  return ((o.sigmoid ?? true) ? p.sigmoid() : p).ge(o.thresh ?? 0.5);
}
const safeDiv = (a: Tensor, b: Tensor): Tensor => torch.where(b.eq(0), 0, a.div(b.clamp(1e-300)));

function multi(name: string, score: (tp: Tensor, fp: Tensor, fn: Tensor) => Tensor, options: MultiOptions | undefined): AccumMetric {
  const fn = `metrics.${name[0]!.toUpperCase()}${name.slice(1)}`;
  const o = multiOptions(fn, options, ALL);
  return labelled(
    new AccumMetric(
      (pp, tt) => {
        labels(pp as Tensor, tt as Tensor);
        const p = decide(pp as Tensor, o).double();
        const t = (tt as Tensor).double();
        const tp = p.mul(t).sum(0);
        const fp = p.mul(t.neg().add(1)).sum(0);
        const fn = p.neg().add(1).mul(t).sum(0);
        const avg = o.average ?? 'macro';
        if (avg === 'micro') return score(tp.sum(), fp.sum(), fn.sum());
        const s = score(tp, fp, fn);
        if (avg === 'macro') return s.mean();
        if (avg === 'weighted') {
          const w = t.sum(0);
          return torch.where(w.sum().eq(0), 0, s.mul(w).sum().div(w.sum().clamp(1e-300)));
        }
        throw new torch.FlintError(`${name}: average must be 'macro', 'micro' or 'weighted', got ${String(avg)}`);
      },
      { flatten: false, name },
    ),
    fn,
  );
}

export const PrecisionMulti = (o: MultiOptions = {}): AccumMetric => multi('precisionMulti', (tp, fp) => safeDiv(tp, tp.add(fp)), o);
export const RecallMulti = (o: MultiOptions = {}): AccumMetric => multi('recallMulti', (tp, _fp, fn) => safeDiv(tp, tp.add(fn)), o);
export const F1ScoreMulti = (o: MultiOptions = {}): AccumMetric =>
  multi('f1ScoreMulti', (tp, fp, fn) => safeDiv(tp.mul(2), tp.mul(2).add(fp).add(fn)), o);
export const FBetaMulti = (beta: number, o: MultiOptions = {}): AccumMetric => {
  checkNumber('metrics.FBetaMulti', 'beta', beta, { min: 0 });
  const b2 = beta * beta;
  return multi(
    'fBetaMulti',
    (tp, fp, fn) =>
      safeDiv(
        tp.mul(1 + b2),
        tp
          .mul(1 + b2)
          .add(fn.mul(b2))
          .add(fp),
      ),
    o,
  );
};
export const JaccardMulti = (o: MultiOptions = {}): AccumMetric => multi('jaccardMulti', (tp, fp, fn) => safeDiv(tp, tp.add(fp).add(fn)), o);

/** Fraction of wrong labels. */
export const HammingLossMulti = (options: Omit<MultiOptions, 'average'> = {}): AccumMetric => {
  const o = multiOptions('metrics.HammingLossMulti', options, DECIDE);
  return labelled(
    new AccumMetric(
      (p, t) => {
        labels(p as Tensor, t as Tensor);
        return decide(p as Tensor, o)
          .ne((t as Tensor).bool())
          .double()
          .mean();
      },
      { flatten: false, name: 'hammingLossMulti' },
    ),
    'metrics.HammingLossMulti',
  );
};
/** Matthews correlation of all label decisions, flattened (fastai's MatthewsCorrCoefMulti). */
export const MatthewsCorrCoefMulti = (options: Omit<MultiOptions, 'average'> = {}): AccumMetric => {
  const o = multiOptions('metrics.MatthewsCorrCoefMulti', options, DECIDE);
  return labelled(
    new AccumMetric(
      (pp, tt) => {
        labels(pp as Tensor, tt as Tensor);
        const p = decide(pp as Tensor, o)
          .flatten()
          .double();
        const t = (tt as Tensor).flatten().double();
        const tp = p.mul(t).sum();
        const tn = p.neg().add(1).mul(t.neg().add(1)).sum();
        const fp = p.mul(t.neg().add(1)).sum();
        const fn = p.neg().add(1).mul(t).sum();
        const den = tp.add(fp).mul(tp.add(fn)).mul(tn.add(fp)).mul(tn.add(fn)).sqrt();
        return torch.where(den.eq(0), 0, tp.mul(tn).sub(fp.mul(fn)).div(den.clamp(1e-300)));
      },
      { flatten: false, name: 'matthewsCorrCoefMulti' },
    ),
    'metrics.MatthewsCorrCoefMulti',
  );
};
/** A score per label on the (sigmoid) scores, macro-averaged: fn the public name, name the metric's. */
function macroPerLabel(fn: string, name: string, score: (p: Tensor, t: Tensor) => Tensor, options: { sigmoid?: boolean }): AccumMetric {
  const o = multiOptions(fn, options, ['sigmoid']);
  return labelled(
    new AccumMetric(
      (pp, tt) => {
        labels(pp as Tensor, tt as Tensor);
        const p = (o.sigmoid ?? true) ? (pp as Tensor).sigmoid() : (pp as Tensor);
        const t = tt as Tensor;
        return torch.stack(Array.from({ length: p.shape[1]! }, (_, k) => score(p.select(1, k), t.select(1, k)))).mean();
      },
      { flatten: false, name },
    ),
    fn,
  );
}
/** ROC AUC per label on the sigmoid scores, macro-averaged. */
export const RocAucMulti = (options: { sigmoid?: boolean } = {}): AccumMetric => macroPerLabel('metrics.RocAucMulti', 'rocAucMulti', rocAuc, options);
/** Average precision per label, macro-averaged. */
export const APScoreMulti = (options: { sigmoid?: boolean } = {}): AccumMetric =>
  macroPerLabel('metrics.APScoreMulti', 'apScoreMulti', averagePrecision, options);
/** Brier score over every label: mean squared error of the (sigmoid) probabilities against the labels. */
export const BrierScoreMulti = (options: { sigmoid?: boolean } = {}): AccumMetric => {
  const o = multiOptions('metrics.BrierScoreMulti', options, ['sigmoid']);
  return labelled(
    new AccumMetric(
      (pp, tt) => {
        labels(pp as Tensor, tt as Tensor);
        const p = (o.sigmoid ?? true) ? (pp as Tensor).sigmoid() : (pp as Tensor);
        return p
          .double()
          .sub((tt as Tensor).double())
          .square()
          .mean();
      },
      { flatten: false, name: 'brierScoreMulti' },
    ),
    'metrics.BrierScoreMulti',
  );
};

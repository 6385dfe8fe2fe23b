// Multi-label metrics (one sigmoid per label, a threshold): per-label counts with tensor ops, averaged as
// scikit-learn does for label-indicator targets ('macro', 'micro', 'weighted').
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';
import { averagePrecision, rocAuc } from './ranking.js';

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

function multi(name: string, score: (tp: Tensor, fp: Tensor, fn: Tensor) => Tensor, o: MultiOptions): AccumMetric {
  return new AccumMetric((pp, tt) => {
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
    throw new torch.TorchError(`${name}: average must be 'macro', 'micro' or 'weighted', got ${JSON.stringify(avg)}`);
  }, { flatten: false, name });
}

export const PrecisionMulti = (o: MultiOptions = {}): AccumMetric => multi('precisionMulti', (tp, fp) => safeDiv(tp, tp.add(fp)), o);
export const RecallMulti = (o: MultiOptions = {}): AccumMetric => multi('recallMulti', (tp, _fp, fn) => safeDiv(tp, tp.add(fn)), o);
export const F1ScoreMulti = (o: MultiOptions = {}): AccumMetric => multi('f1ScoreMulti', (tp, fp, fn) => safeDiv(tp.mul(2), tp.mul(2).add(fp).add(fn)), o);
export const FBetaMulti = (beta: number, o: MultiOptions = {}): AccumMetric => multi('fBetaMulti', (tp, fp, fn) => {
  const b2 = beta * beta;
  return safeDiv(tp.mul(1 + b2), tp.mul(1 + b2).add(fn.mul(b2)).add(fp));
}, o);
export const JaccardMulti = (o: MultiOptions = {}): AccumMetric => multi('jaccardMulti', (tp, fp, fn) => safeDiv(tp, tp.add(fp).add(fn)), o);

/** Fraction of wrong labels. */
export const HammingLossMulti = (o: Omit<MultiOptions, 'average'> = {}): AccumMetric =>
  new AccumMetric((p, t) => decide(p as Tensor, o).ne((t as Tensor).bool()).double().mean(), { flatten: false, name: 'hammingLossMulti' });
/** Matthews correlation of all label decisions, flattened (fastai's MatthewsCorrCoefMulti). */
export const MatthewsCorrCoefMulti = (o: Omit<MultiOptions, 'average'> = {}): AccumMetric =>
  new AccumMetric((pp, tt) => {
    const p = decide(pp as Tensor, o).flatten().double();
    const t = (tt as Tensor).flatten().double();
    const tp = p.mul(t).sum();
    const tn = p.neg().add(1).mul(t.neg().add(1)).sum();
    const fp = p.mul(t.neg().add(1)).sum();
    const fn = p.neg().add(1).mul(t).sum();
    const den = tp.add(fp).mul(tp.add(fn)).mul(tn.add(fp)).mul(tn.add(fn)).sqrt();
    return torch.where(den.eq(0), 0, tp.mul(tn).sub(fp.mul(fn)).div(den.clamp(1e-300)));
  }, { flatten: false, name: 'matthewsCorrCoefMulti' });
/** ROC AUC per label on the sigmoid scores, macro-averaged. */
export const RocAucMulti = (o: { sigmoid?: boolean } = {}): AccumMetric => new AccumMetric((pp, tt) => {
  const p = (o.sigmoid ?? true) ? (pp as Tensor).sigmoid() : (pp as Tensor);
  const t = tt as Tensor;
  return torch.stack(Array.from({ length: p.shape[1]! }, (_, k) => rocAuc(p.select(1, k), t.select(1, k)))).mean();
}, { flatten: false, name: 'rocAucMulti' });
/** Average precision per label, macro-averaged. */
export const APScoreMulti = (o: { sigmoid?: boolean } = {}): AccumMetric => new AccumMetric((pp, tt) => {
  const p = (o.sigmoid ?? true) ? (pp as Tensor).sigmoid() : (pp as Tensor);
  const t = tt as Tensor;
  return torch.stack(Array.from({ length: p.shape[1]! }, (_, k) => averagePrecision(p.select(1, k), t.select(1, k)))).mean();
}, { flatten: false, name: 'apScoreMulti' });
/** Brier score over every label: mean squared error of the (sigmoid) probabilities against the labels. */
export const BrierScoreMulti = (o: { sigmoid?: boolean } = {}): AccumMetric => new AccumMetric((pp, tt) => {
  const p = (o.sigmoid ?? true) ? (pp as Tensor).sigmoid() : (pp as Tensor);
  return p.double().sub((tt as Tensor).double()).square().mean();
}, { flatten: false, name: 'brierScoreMulti' });

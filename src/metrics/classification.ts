// Classification metrics from the confusion matrix, computed with tensor ops (one bincount), with
// scikit-learn's semantics and argument names: average 'binary' | 'macro' | 'micro' | 'weighted', posLabel,
// labels; classes that occur in neither targets nor predictions are left out of averages, as scikit-learn does.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';

export type Average = 'binary' | 'macro' | 'micro' | 'weighted';
export interface ClassOptions {
  /** The class axis of the predictions (argmax over it). */
  axis?: number;
  average?: Average;
  posLabel?: number;
  /** Restrict (and order) the classes averaged over. */
  labels?: number[];
  /** A weight per sample of the phase, in the loader's order (scikit-learn's sample_weight). */
  sampleWeight?: Tensor | readonly number[];
}

/** The confusion matrix [true class, predicted class] of integer class tensors, as float64, optionally
 * weighting each sample. */
export function confusionMatrix(preds: Tensor, targs: Tensor, numClasses?: number, sampleWeight?: Tensor | readonly number[]): Tensor {
  return torch.tidy(() => {
    const p = preds.long().flatten();
    const t = targs.long().flatten();
    const c = numClasses ?? Math.max(p.numel() ? p.max().item() : 0, t.numel() ? t.max().item() : 0) + 1;
    let w: Tensor | null = null;
    if (sampleWeight !== undefined) {
      w = sampleWeight instanceof torch.Tensor ? sampleWeight.flatten().double() : torch.tensor([...sampleWeight], { dtype: 'float64' });
      if (w.numel() !== p.numel()) throw new torch.TorchError(`sampleWeight has ${w.numel()} weights for ${p.numel()} predictions`);
      w = w.to({ device: p.device });
    }
    return t.mul(c).add(p).bincount(w, c * c).reshape(c, c).double();
  });
}

/** Per-class counts: tp, fp, fn, support, and which classes take part. */
function counts(cm: Tensor, o: ClassOptions): { tp: Tensor; fp: Tensor; fn: Tensor; support: Tensor; mask: Tensor } {
  const tp = cm.diagonal();
  const rows = cm.sum(1);
  const cols = cm.sum(0);
  let mask = rows.add(cols).gt(0);
  if (o.labels) {
    const sel = torch.zeros([cm.shape[0]!], { dtype: 'bool' });
    const idx = torch.tensor(o.labels.filter((l) => l < cm.shape[0]!), { dtype: 'int64' });
    mask = sel.indexPut_([idx], true);
  }
  return { tp, fp: cols.sub(tp), fn: rows.sub(tp), support: rows, mask };
}

/** 0 where the denominator is 0 (scikit-learn's zero_division=0). */
function safeDiv(a: Tensor, b: Tensor): Tensor {
  return torch.where(b.eq(0), 0, a.div(b.clamp(1e-300)));
}

/** Averages a per-class score as scikit-learn does; `micro` is given the summed counts. */
function average(score: (tp: Tensor, fp: Tensor, fn: Tensor) => Tensor, cm: Tensor, o: ClassOptions): number {
  const { tp, fp, fn, support, mask } = counts(cm, o);
  const avg = o.average ?? 'binary';
  if (avg === 'binary') {
    const k = o.posLabel ?? 1;
    if (k >= cm.shape[0]!) return 0;
    return score(tp.narrow(0, k, 1), fp.narrow(0, k, 1), fn.narrow(0, k, 1)).item();
  }
  if (avg === 'micro') return score(tp.maskedSelect(mask).sum(), fp.maskedSelect(mask).sum(), fn.maskedSelect(mask).sum()).item();
  const s = score(tp, fp, fn).maskedSelect(mask);
  if (avg === 'macro') return s.numel() ? s.mean().item() : 0;
  if (avg === 'weighted') {
    const w = support.maskedSelect(mask);
    const total = w.sum().item();
    return total ? s.mul(w).sum().item() / total : 0;
  }
  throw new torch.TorchError(`average must be 'binary', 'macro', 'micro' or 'weighted', got ${JSON.stringify(avg)}`);
}

const precision = (tp: Tensor, fp: Tensor): Tensor => safeDiv(tp, tp.add(fp));
const recall = (tp: Tensor, _fp: Tensor, fn: Tensor): Tensor => safeDiv(tp, tp.add(fn));
const fbeta = (beta: number) => (tp: Tensor, fp: Tensor, fn: Tensor): Tensor => {
  const b2 = beta * beta;
  return safeDiv(tp.mul(1 + b2), tp.mul(1 + b2).add(fn.mul(b2)).add(fp));
};
const jaccard = (tp: Tensor, fp: Tensor, fn: Tensor): Tensor => safeDiv(tp, tp.add(fp).add(fn));

function classMetric(name: string, f: (cm: Tensor) => number, o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric {
  const fn = (p: unknown, t: unknown): number => torch.tidy(() => f(confusionMatrix(p as Tensor, t as Tensor, undefined, o.sampleWeight)));
  return new AccumMetric(fn, { dimArgmax: o.axis ?? -1, flatten: true, name });
}

export const Precision = (o: ClassOptions = {}): AccumMetric => classMetric('precision', (cm) => average(precision, cm, o), o);
export const Recall = (o: ClassOptions = {}): AccumMetric => classMetric('recall', (cm) => average(recall, cm, o), o);
export const F1Score = (o: ClassOptions = {}): AccumMetric => classMetric('f1Score', (cm) => average(fbeta(1), cm, o), o);
export const FBeta = (beta: number, o: ClassOptions = {}): AccumMetric => classMetric('fBeta', (cm) => average(fbeta(beta), cm, o), o);
export const Jaccard = (o: ClassOptions = {}): AccumMetric => classMetric('jaccard', (cm) => average(jaccard, cm, o), o);

/** Mean recall over the classes that occur in the targets. */
export const BalancedAccuracy = (o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric => classMetric('balancedAccuracy', (cm) => {
  const rows = cm.sum(1);
  const r = cm.diagonal().div(rows.clamp(1e-300)).maskedSelect(rows.gt(0));
  return r.numel() ? r.mean().item() : 0;
}, o);

/** Matthews correlation coefficient (multiclass form, scikit-learn's formula). */
export const MatthewsCorrCoef = (o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric => classMetric('matthewsCorrCoef', (cm) => {
  const t = cm.sum(1);
  const p = cm.sum(0);
  const n = cm.sum().item();
  const correct = cm.diagonal().sum().item();
  const cov = correct * n - t.dot(p).item();
  const den = (n * n - p.dot(p).item()) * (n * n - t.dot(t).item());
  return den === 0 ? 0 : cov / Math.sqrt(den);
}, o);

/** Cohen's kappa: agreement beyond chance. */
export const CohenKappa = (o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric => classMetric('cohenKappa', (cm) => {
  const n = cm.sum().item();
  const po = cm.diagonal().sum().item() / n;
  const pe = cm.sum(1).dot(cm.sum(0)).item() / (n * n);
  return pe === 1 ? 0 : (po - pe) / (1 - pe);
}, o);

/** Fraction of wrong labels (single-label classification). */
export const HammingLoss = (o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric => classMetric('hammingLoss', (cm) => 1 - cm.diagonal().sum().item() / cm.sum().item(), o);

// Classification metrics from the confusion matrix, computed with tensor ops (one bincount), with
// scikit-learn's semantics and argument names: average 'binary' | 'macro' | 'micro' | 'weighted', posLabel,
// labels; classes that occur in neither targets nor predictions are left out of averages, as scikit-learn does.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';
import { labelled } from './metric.js';
import { checkArray, checkDim, checkInt, checkNumber, checkOneOf, checkOptions, checkSampleWeight, checkTensor, fail } from './check.js';

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
  const fn = 'metrics.confusionMatrix';
  checkTensor(fn, 'preds', preds);
  checkTensor(fn, 'targs', targs);
  if (numClasses !== undefined) checkInt(fn, 'numClasses', numClasses, { min: 1, max: MAX_CLASSES });
  const weights = checkSampleWeight(fn, 'sampleWeight', sampleWeight);
  if (preds.numel() !== targs.numel()) fail(fn, 'targs', `${preds.numel()} class indices, one per prediction`, targs);
  if (preds.device !== targs.device) fail(fn, 'targs', `a tensor on ${preds.device} like preds`, targs);
  return torch.tidy(() => {
    for (const [x, arg] of [
      [preds, 'preds'],
      [targs, 'targs'],
    ] as const) {
      if (x.dtype.startsWith('complex')) fail(fn, arg, 'class indices (a real tensor)', x);
    }
    const p = preds.long().flatten();
    const t = targs.long().flatten();
    let w: Tensor | null = null;
    if (weights !== undefined) {
      w = (weights instanceof torch.Tensor ? weights.flatten().double() : torch.tensor([...weights], { dtype: 'float64' })).to({ device: p.device });
      if (w.numel() !== p.numel()) fail(fn, 'sampleWeight', `${p.numel()} weights, one per prediction`, weights);
    }
    const s = facts(preds, targs, p, t, w);
    // floats are accepted when they hold whole numbers (0., 1.); a fraction means logits or scores were passed
    if (!s.predsWhole) fail(fn, 'preds', 'whole class indices (argmax the logits first)', preds);
    if (!s.targsWhole) fail(fn, 'targs', 'whole class indices (argmax the logits first)', targs);
    if (s.predsMin < 0) fail(fn, 'preds', 'non-negative class indices', p);
    if (s.targsMin < 0) fail(fn, 'targs', 'non-negative class indices', t);
    const top = Math.max(s.predsMax, s.targsMax) + 1;
    if (numClasses !== undefined && top > numClasses) fail(fn, 'numClasses', `a count above the largest class index (${top - 1})`, numClasses);
    const c = numClasses ?? top;
    if (c > MAX_CLASSES) fail(fn, 'preds', `class indices below ${MAX_CLASSES} (a ${c} x ${c} matrix would not fit in memory)`, preds);
    if (s.weightsMin < 0) fail(fn, 'sampleWeight', 'non-negative weights', weights);
    return t
      .mul(c)
      .add(p)
      .bincount(w, c * c)
      .reshape(c, c)
      .double();
  });
}

/** What confusionMatrix checks before counting, stacked into one small tensor and read with one host read:
 * whether float classes are whole, the smallest and largest class, the smallest weight. Empty inputs give
 * neutral values without a device op. */
interface Facts {
  predsWhole: boolean;
  targsWhole: boolean;
  predsMin: number;
  targsMin: number;
  predsMax: number;
  targsMax: number;
  weightsMin: number;
}
function facts(preds: Tensor, targs: Tensor, p: Tensor, t: Tensor, w: Tensor | null): Facts {
  const parts: Tensor[] = [];
  const slot = (x: Tensor | null): number => (x === null ? -1 : parts.push(x.double()) - 1);
  const isFloat = (x: Tensor): boolean => x.dtype.startsWith('float') || x.dtype === 'bfloat16';
  const whole = (x: Tensor): Tensor | null => (isFloat(x) && x.numel() ? x.eq(x.floor()).all() : null);
  const [pWhole, tWhole] = [slot(whole(preds)), slot(whole(targs))];
  const [pMin, pMax] = p.numel() ? [slot(p.min()), slot(p.max())] : [-1, -1];
  const [tMin, tMax] = t.numel() ? [slot(t.min()), slot(t.max())] : [-1, -1];
  const wMin = w?.numel() ? slot(w.min()) : -1;
  const v = parts.length ? (torch.stack(parts).toTypedArray() as Float64Array) : new Float64Array(0);
  const at = (i: number, none: number): number => (i < 0 ? none : v[i]!);
  return {
    predsWhole: at(pWhole, 1) !== 0,
    targsWhole: at(tWhole, 1) !== 0,
    predsMin: at(pMin, 0),
    targsMin: at(tMin, 0),
    predsMax: at(pMax, 0),
    targsMax: at(tMax, 0),
    weightsMin: at(wMin, 0),
  };
}

/** The most classes a confusion matrix may have (c x c float64: 800 MB at 10,000). */
const MAX_CLASSES = 10_000;
const AVERAGES = ['binary', 'macro', 'micro', 'weighted'] as const;

function classOptions(fn: string, options: ClassOptions | undefined): ClassOptions {
  const o = checkOptions(fn, options, ['axis', 'average', 'posLabel', 'labels', 'sampleWeight']);
  if (o.axis !== undefined) checkDim(fn, 'options.axis', o.axis);
  if (o.average !== undefined) checkOneOf(fn, 'options.average', o.average, AVERAGES);
  if (o.posLabel !== undefined) checkInt(fn, 'options.posLabel', o.posLabel, { min: 0 });
  if (o.labels !== undefined) checkArray(fn, 'options.labels', o.labels).forEach((l, i) => checkInt(fn, `options.labels[${i}]`, l, { min: 0 }));
  checkSampleWeight(fn, 'options.sampleWeight', o.sampleWeight);
  return { ...o };
}

/** Per-class counts: tp, fp, fn, support, and which classes take part. */
function counts(cm: Tensor, o: ClassOptions): { tp: Tensor; fp: Tensor; fn: Tensor; support: Tensor; mask: Tensor } {
  const tp = cm.diagonal();
  const rows = cm.sum(1);
  const cols = cm.sum(0);
  let mask = rows.add(cols).gt(0);
  if (o.labels) {
    const sel = torch.zeros([cm.shape[0]!], { dtype: 'bool' });
    const idx = torch.tensor(
      o.labels.filter((l) => l < cm.shape[0]!),
      { dtype: 'int64' },
    );
    mask = sel.indexPut_([idx], true);
  }
  return { tp, fp: cols.sub(tp), fn: rows.sub(tp), support: rows, mask };
}

/** scikit-learn's checks for average 'binary', on the phase's confusion matrix (read when the value is
 * computed, never per batch): more than 2 classes among targets and predictions is multiclass, and a posLabel
 * that is not one of 2 present classes is no class at all. */
function checkBinary(name: string, cm: Tensor, posLabel: number): void {
  const fn = `metrics.${name[0]!.toUpperCase()}${name.slice(1)}`;
  const seen = cm.sum(1).add(cm.sum(0)).gt(0).toArray() as boolean[];
  const present = seen.flatMap((b, c) => (b ? [c] : []));
  if (present.length > 2) {
    fail(
      fn,
      'options.average',
      `one of 'macro', 'micro', 'weighted' (the targets and predictions hold ${present.length} classes: multiclass, not binary)`,
      'binary',
    );
  }
  if (present.length === 2 && !present.includes(posLabel))
    fail(fn, 'options.posLabel', `one of the classes present (${present.join(', ')})`, posLabel);
}

/** 0 where the denominator is 0 (scikit-learn's zero_division=0). */
function safeDiv(a: Tensor, b: Tensor): Tensor {
  return torch.where(b.eq(0), 0, a.div(b.clamp(1e-300)));
}

/** Averages a per-class score as scikit-learn does; `micro` is given the summed counts. */
function average(name: string, score: (tp: Tensor, fp: Tensor, fn: Tensor) => Tensor, cm: Tensor, o: ClassOptions): number {
  const { tp, fp, fn, support, mask } = counts(cm, o);
  const avg = o.average ?? 'binary';
  if (avg === 'binary') {
    const k = o.posLabel ?? 1;
    checkBinary(name, cm, k);
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
  throw new torch.FlintError(`average must be 'binary', 'macro', 'micro' or 'weighted', got ${String(avg)}`);
}

const precision = (tp: Tensor, fp: Tensor): Tensor => safeDiv(tp, tp.add(fp));
const recall = (tp: Tensor, _fp: Tensor, fn: Tensor): Tensor => safeDiv(tp, tp.add(fn));
const fbeta =
  (beta: number) =>
  (tp: Tensor, fp: Tensor, fn: Tensor): Tensor => {
    const b2 = beta * beta;
    return safeDiv(
      tp.mul(1 + b2),
      tp
        .mul(1 + b2)
        .add(fn.mul(b2))
        .add(fp),
    );
  };
const jaccard = (tp: Tensor, fp: Tensor, fn: Tensor): Tensor => safeDiv(tp, tp.add(fp).add(fn));

function classMetric(name: string, f: (cm: Tensor) => number, o: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric {
  const fn = (p: unknown, t: unknown): number => torch.tidy(() => f(confusionMatrix(p as Tensor, t as Tensor, undefined, o.sampleWeight)));
  return labelled(new AccumMetric(fn, { dimArgmax: o.axis ?? -1, flatten: true, name }), `metrics.${name[0]!.toUpperCase()}${name.slice(1)}`);
}
/** Options of the metrics that take only an axis and sample weights. */
function axisOptions(
  fn: string,
  options: { axis?: number; sampleWeight?: Tensor | readonly number[] } | undefined,
): { axis?: number; sampleWeight?: Tensor | readonly number[] } {
  const o = checkOptions(fn, options, ['axis', 'sampleWeight']);
  if (o.axis !== undefined) checkDim(fn, 'options.axis', o.axis);
  checkSampleWeight(fn, 'options.sampleWeight', o.sampleWeight);
  return { ...o };
}

export const Precision = (options: ClassOptions = {}): AccumMetric => {
  const o = classOptions('metrics.Precision', options);
  return classMetric('precision', (cm) => average('precision', precision, cm, o), o);
};
export const Recall = (options: ClassOptions = {}): AccumMetric => {
  const o = classOptions('metrics.Recall', options);
  return classMetric('recall', (cm) => average('recall', recall, cm, o), o);
};
export const F1Score = (options: ClassOptions = {}): AccumMetric => {
  const o = classOptions('metrics.F1Score', options);
  return classMetric('f1Score', (cm) => average('f1Score', fbeta(1), cm, o), o);
};
export const FBeta = (beta: number, options: ClassOptions = {}): AccumMetric => {
  checkNumber('metrics.FBeta', 'beta', beta, { min: 0 });
  const o = classOptions('metrics.FBeta', options);
  return classMetric('fBeta', (cm) => average('fBeta', fbeta(beta), cm, o), o);
};
export const Jaccard = (options: ClassOptions = {}): AccumMetric => {
  const o = classOptions('metrics.Jaccard', options);
  return classMetric('jaccard', (cm) => average('jaccard', jaccard, cm, o), o);
};

/** Mean recall over the classes that occur in the targets. */
export const BalancedAccuracy = (options: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric =>
  classMetric(
    'balancedAccuracy',
    (cm) => {
      const rows = cm.sum(1);
      const r = cm.diagonal().div(rows.clamp(1e-300)).maskedSelect(rows.gt(0));
      return r.numel() ? r.mean().item() : 0;
    },
    axisOptions('metrics.BalancedAccuracy', options),
  );

/** Matthews correlation coefficient (multiclass form, scikit-learn's formula). */
export const MatthewsCorrCoef = (options: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric =>
  classMetric(
    'matthewsCorrCoef',
    (cm) => {
      const t = cm.sum(1);
      const p = cm.sum(0);
      const n = cm.sum().item();
      const correct = cm.diagonal().sum().item();
      const cov = correct * n - t.dot(p).item();
      const den = (n * n - p.dot(p).item()) * (n * n - t.dot(t).item());
      return den === 0 ? 0 : cov / Math.sqrt(den);
    },
    axisOptions('metrics.MatthewsCorrCoef', options),
  );

/** Cohen's kappa: agreement beyond chance. */
export const CohenKappa = (options: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric =>
  classMetric(
    'cohenKappa',
    (cm) => {
      const n = cm.sum().item();
      const po = cm.diagonal().sum().item() / n;
      const pe = cm.sum(1).dot(cm.sum(0)).item() / (n * n);
      return pe === 1 || n === 0 ? 0 : (po - pe) / (1 - pe);
    },
    axisOptions('metrics.CohenKappa', options),
  );

/** Fraction of wrong labels (single-label classification). */
export const HammingLoss = (options: { axis?: number; sampleWeight?: Tensor | readonly number[] } = {}): AccumMetric =>
  classMetric(
    'hammingLoss',
    (cm) => {
      const n = cm.sum().item();
      return n === 0 ? 0 : 1 - cm.diagonal().sum().item() / n;
    },
    axisOptions('metrics.HammingLoss', options),
  );

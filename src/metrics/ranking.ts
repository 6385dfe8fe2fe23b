// Metrics on scores rather than decisions: ROC AUC, average precision, Brier score, Spearman's rank
// correlation; and top-k and multi-label accuracy, perplexity. Tensor ops throughout (ranks with ties
// averaged via unique counts, precision-recall steps via cumulative sums).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';
import { AvgLoss, AvgMetric, type Metric, labelled } from './metric.js';
import { checkBool, checkDim, checkInt, checkNumber, checkOneOf, checkOptions, checkTensor, fail, guard } from './check.js';

/** A real-valued tensor (scores, ranks). */
function checkReal(fn: string, arg: string, x: Tensor): Tensor {
  checkTensor(fn, arg, x);
  if (x.dtype.startsWith('complex')) fail(fn, arg, 'a real-valued tensor', x);
  return x;
}
/** Scores and binary targets of the same length. */
function checkPair(fn: string, scores: Tensor, targets: Tensor): void {
  checkReal(fn, 'scores', scores);
  checkReal(fn, 'targets', targets);
  if (scores.numel() !== targets.numel()) fail(fn, 'targets', `${scores.numel()} targets, one per score`, targets);
  if (scores.device !== targets.device) fail(fn, 'targets', `a tensor on ${scores.device} like scores`, targets);
}

/** Ranks 1..n of a 1-d tensor, ties given their average rank (scipy's rankdata 'average'). */
export function averageRanks(x: Tensor): Tensor {
  checkReal('metrics.averageRanks', 'x', x);
  if (x.ndim !== 1) fail('metrics.averageRanks', 'x', 'a 1-d tensor', x);
  return torch.tidy(() => ranks(x));
}
function ranks(x: Tensor): Tensor {
  const u = x.unique({ returnInverse: true, returnCounts: true });
  const c = u.counts!.double();
  const ends = c.cumsum(0);
  return ends.sub(c).add(c.add(1).div(2)).indexSelect(0, u.inverse!.flatten());
}

/** Area under the ROC curve of scores for binary targets (Mann-Whitney form, ties counted half). */
export function rocAuc(scores: Tensor, targets: Tensor): Tensor {
  checkPair('metrics.rocAuc', scores, targets);
  return guard('metrics.rocAuc', () => torch.tidy(() => auc(scores, targets)));
}
function auc(scores: Tensor, targets: Tensor): Tensor {
  const y = targets.flatten().bool();
  const r = ranks(scores.flatten().double());
  const nPos = y.sum().item();
  const nNeg = y.numel() - nPos;
  if (nPos === 0 || nNeg === 0) throw new torch.FlintError('ROC AUC needs both classes among the targets');
  return r
    .maskedSelect(y)
    .sum()
    .sub((nPos * (nPos + 1)) / 2)
    .div(nPos * nNeg);
}

/** Average precision: sum over distinct score thresholds of (recall step) x precision, as scikit-learn. */
export function averagePrecision(scores: Tensor, targets: Tensor): Tensor {
  checkPair('metrics.averagePrecision', scores, targets);
  return guard('metrics.averagePrecision', () => torch.tidy(() => ap(scores, targets)));
}
function ap(scores: Tensor, targets: Tensor): Tensor {
  const s = scores.flatten().double();
  const { values, indices } = s.sort(0, true, { stable: true });
  const y = targets.flatten().double().indexSelect(0, indices);
  const tps = y.cumsum(0);
  const fps = y.neg().add(1).cumsum(0);
  const n = s.numel();
  // the last position of each run of equal scores is a threshold
  const last = n > 1 ? values.narrow(0, 0, n - 1).ne(values.narrow(0, 1, n - 1)) : torch.zeros([0], { dtype: 'bool' });
  const keep = torch.cat([last, torch.ones([1], { dtype: 'bool' })]);
  const tp = tps.maskedSelect(keep);
  const fp = fps.maskedSelect(keep);
  const nPos = y.sum().item();
  if (nPos === 0) throw new torch.FlintError('average precision needs positive targets');
  const precision = tp.div(tp.add(fp));
  const recall = tp.div(nPos);
  const prev = torch.cat([torch.zeros([1], { dtype: 'float64' }), recall.narrow(0, 0, recall.numel() - 1)]);
  return recall.sub(prev).mul(precision).sum();
}

const positiveScores = (p: Tensor): Tensor => (p.ndim === 2 ? p.softmax(-1).select(-1, p.shape[1]! - 1) : p.sigmoid());

/** ROC AUC for binary classification from 2-column logits (softmax) or 1-d logits (sigmoid). */
export const RocAucBinary = (): AccumMetric =>
  labelled(
    new AccumMetric((p, t) => auc(positiveScores(p as Tensor), t as Tensor), { flatten: false, name: 'rocAucBinary' }),
    'metrics.RocAucBinary',
  );
/** Multiclass ROC AUC from logits (softmax over the last axis), macro-averaged: one-vs-rest over classes, or
 * one-vs-one over class pairs (each pair scored both ways, as scikit-learn). */
export const RocAuc = (options: { multiClass?: 'ovr' | 'ovo' } = {}): AccumMetric => {
  const o = checkOptions('metrics.RocAuc', options, ['multiClass']);
  if (o.multiClass !== undefined) checkOneOf('metrics.RocAuc', 'options.multiClass', o.multiClass, ['ovr', 'ovo'] as const);
  return labelled(
    new AccumMetric(
      (p, t) => {
        if ((p as Tensor).ndim !== 2) throw new torch.FlintError(`RocAuc needs logits [N, classes], got a ${(p as Tensor).ndim}-d tensor`);
        const probs = (p as Tensor).softmax(-1);
        const targ = (t as Tensor).flatten();
        const c = probs.shape[1]!;
        const mode = o.multiClass ?? 'ovr';
        if (mode === 'ovr') return torch.stack(Array.from({ length: c }, (_, k) => auc(probs.select(1, k), targ.eq(k)))).mean();
        const pairs: Tensor[] = [];
        for (let a = 0; a < c; a++) {
          for (let b = a + 1; b < c; b++) {
            const mask = targ.eq(a).logicalOr(targ.eq(b));
            const ta = targ.maskedSelect(mask);
            const ab = auc(probs.select(1, a).maskedSelect(mask), ta.eq(a));
            const ba = auc(probs.select(1, b).maskedSelect(mask), ta.eq(b));
            pairs.push(ab.add(ba).div(2));
          }
        }
        return torch.stack(pairs).mean();
      },
      { flatten: false, name: 'rocAuc' },
    ),
    'metrics.RocAuc',
  );
};
/** Average precision for binary classification (scores as RocAucBinary). */
export const APScoreBinary = (): AccumMetric =>
  labelled(
    new AccumMetric((p, t) => ap(positiveScores(p as Tensor), t as Tensor), { flatten: false, name: 'apScoreBinary' }),
    'metrics.APScoreBinary',
  );
/** Brier score: mean squared error of the positive-class probability. */
export const BrierScore = (): AccumMetric =>
  labelled(
    new AccumMetric(
      (p, t) =>
        positiveScores(p as Tensor)
          .double()
          .sub((t as Tensor).flatten().double())
          .square()
          .mean(),
      { flatten: false, name: 'brierScore' },
    ),
    'metrics.BrierScore',
  );
/** Spearman's rank correlation (Pearson's correlation of the average ranks). */
export const SpearmanCorrCoef = (): AccumMetric =>
  labelled(
    new AccumMetric(
      (p, t) => {
        const a = ranks((p as Tensor).flatten().double());
        const b = ranks((t as Tensor).flatten().double());
        const ac = a.sub(a.mean());
        const bc = b.sub(b.mean());
        return ac.mul(bc).sum().div(ac.square().sum().sqrt().mul(bc.square().sum().sqrt()));
      },
      { flatten: true, name: 'spearmanCorrCoef' },
    ),
    'metrics.SpearmanCorrCoef',
  );

/** Fraction of samples whose target is among the k highest scores. */
export function topKAccuracy(k = 5, axis = -1): Metric {
  checkInt('metrics.topKAccuracy', 'k', k, { min: 1 });
  checkDim('metrics.topKAccuracy', 'axis', axis);
  return labelled(
    new AvgMetric((p, t) => {
      const top = p.topk(k, axis).indices;
      return top.eq(t!.unsqueeze(axis).expandAs(top)).sum(axis).float().mean();
    }, 'topKAccuracy'),
    'metrics.topKAccuracy',
  );
}

/** Multi-label accuracy: (sigmoid(pred) > thresh) == target, over every label. */
export function accuracyMulti(options: { thresh?: number; sigmoid?: boolean } = {}): Metric {
  const o = checkOptions('metrics.accuracyMulti', options, ['thresh', 'sigmoid']);
  if (o.thresh !== undefined) checkNumber('metrics.accuracyMulti', 'options.thresh', o.thresh);
  if (o.sigmoid !== undefined) checkBool('metrics.accuracyMulti', 'options.sigmoid', o.sigmoid);
  return labelled(
    new AvgMetric((p, t) => {
      const q = (o.sigmoid ?? true) ? p.sigmoid() : p;
      return q
        .gt(o.thresh ?? 0.5)
        .eq(t!.bool())
        .float()
        .mean();
    }, 'accuracyMulti'),
    'metrics.accuracyMulti',
  );
}

/** exp of the average loss (language models). */
export class Perplexity extends AvgLoss {
  override get value(): number | undefined {
    const v = super.value;
    return v === undefined ? undefined : Math.exp(v);
  }
  override get name(): string {
    return 'perplexity';
  }
}

// The `metrics` namespace.
import type { Tensor } from '../torch/index.js';
import { AvgMetric, Metric } from './metric.js';
import * as fns from './accuracy.js';

export { Metric, AvgMetric, AvgLoss, AvgSmoothLoss, AvgSmoothMetric, LossPartMetric, ValueMetric, RunningMean, batchSize, type BatchState } from './metric.js';
export { AccumMetric, skmToFlint, transformPreds, type AccumOptions, type Activation, type MetricFunc, type PredTransform } from './accum.js';

/** accuracy as a metric object (argmax over the last axis against integer targets). */
export const accuracy = (): Metric => new AvgMetric((p, t) => fns.accuracy(p, t!), 'accuracy');
/** errorRate as a metric object. */
export const errorRate = (): Metric => new AvgMetric((p, t) => fns.errorRate(p, t!), 'errorRate');
/** The plain functions, for AvgMetric or direct use on a batch. */
export const functions = fns;

/** What a Learner accepts as a metric: a Metric; a metric factory given uncalled (`metrics.accuracy`,
 * `metrics.F1Score`: fastai users write `metrics=accuracy`); or a plain (pred, target) => tensor function,
 * which becomes an AvgMetric (fastai's rule). */
export function toMetric(m: Metric | (() => Metric) | ((pred: Tensor, ...targets: Tensor[]) => Tensor)): Metric {
  if (m instanceof Metric) return m;
  if (typeof m === 'function' && m.length === 0) {
    const made = (m as () => unknown)();
    if (!(made instanceof Metric)) throw new TypeError(`metric ${m.name || 'function'} takes no arguments and returns no Metric`);
    return made;
  }
  return new AvgMetric(m as (pred: Tensor, ...targets: Tensor[]) => Tensor);
}
export { Precision, Recall, F1Score, FBeta, Jaccard, BalancedAccuracy, MatthewsCorrCoef, CohenKappa, HammingLoss, confusionMatrix,
  type Average, type ClassOptions } from './classification.js';
export { mse, mae, msle, rmse, expRmspe, ExplainedVariance, R2Score, PearsonCorrCoef, type RegOptions } from './regression.js';
export { RocAuc, RocAucBinary, APScoreBinary, BrierScore, SpearmanCorrCoef, topKAccuracy, accuracyMulti, Perplexity, averageRanks, rocAuc, averagePrecision } from './ranking.js';
export { PrecisionMulti, RecallMulti, F1ScoreMulti, FBetaMulti, JaccardMulti, HammingLossMulti, MatthewsCorrCoefMulti, RocAucMulti,
  APScoreMulti, BrierScoreMulti, type MultiOptions } from './multilabel.js';
export { Dice, DiceMulti, JaccardCoeff, foregroundAcc } from './segmentation.js';

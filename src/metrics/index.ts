// The `metrics` namespace.
import type { Tensor } from '../torch/index.js';
import { AvgMetric, Metric, labelled } from './metric.js';
import * as fns from './accuracy.js';
import { fail, guard } from './check.js';

export {
  Metric,
  AvgMetric,
  AvgLoss,
  AvgSmoothLoss,
  AvgSmoothMetric,
  LossPartMetric,
  ValueMetric,
  RunningMean,
  batchSize,
  type BatchState,
} from './metric.js';
export { AccumMetric, skmToFlint, transformPreds, type AccumOptions, type Activation, type MetricFunc, type PredTransform } from './accum.js';

/** accuracy as a metric object (argmax over the last axis against integer targets). */
export const accuracy = (): Metric => labelled(new AvgMetric((p, t) => fns.accuracy(p, t!), 'accuracy'), 'metrics.accuracy');
/** errorRate as a metric object. */
export const errorRate = (): Metric => labelled(new AvgMetric((p, t) => fns.errorRate(p, t!), 'errorRate'), 'metrics.errorRate');
/** The plain functions, for AvgMetric or direct use on a batch. */
export const functions = fns;

/** What a Learner accepts as a metric: a Metric; a metric factory given uncalled (`metrics.accuracy`,
 * `metrics.F1Score`: fastai users write `metrics=accuracy`); or a plain (pred, target) => tensor function,
 * which becomes an AvgMetric (fastai's rule). */
export function toMetric(m: Metric | (() => Metric) | ((pred: Tensor, ...targets: Tensor[]) => Tensor)): Metric {
  const fn = 'metrics.toMetric';
  if (m instanceof Metric) return m;
  if (typeof m !== 'function') fail(fn, 'metric', 'a Metric, a metric factory or a (pred, target) => tensor function', m);
  // a metric class given uncalled (metrics.Dice), as fastai users pass classes
  if ((m as { prototype?: unknown }).prototype instanceof Metric) return guard(fn, () => new (m as unknown as new () => Metric)());
  if (m.length === 0) {
    const made: unknown = guard(fn, () => (m as () => unknown)());
    if (!(made instanceof Metric)) fail(fn, 'metric', 'a factory that returns a Metric (it takes no arguments)', m);
    return made as Metric;
  }
  return new AvgMetric(m as (pred: Tensor, ...targets: Tensor[]) => Tensor);
}
export {
  Precision,
  Recall,
  F1Score,
  FBeta,
  Jaccard,
  BalancedAccuracy,
  MatthewsCorrCoef,
  CohenKappa,
  HammingLoss,
  confusionMatrix,
  type Average,
  type ClassOptions,
} from './classification.js';
export { mse, mae, msle, rmse, expRmspe, ExplainedVariance, R2Score, PearsonCorrCoef, type RegOptions } from './regression.js';
export {
  RocAuc,
  RocAucBinary,
  APScoreBinary,
  BrierScore,
  SpearmanCorrCoef,
  topKAccuracy,
  accuracyMulti,
  Perplexity,
  averageRanks,
  rocAuc,
  averagePrecision,
} from './ranking.js';
export {
  PrecisionMulti,
  RecallMulti,
  F1ScoreMulti,
  FBetaMulti,
  JaccardMulti,
  HammingLossMulti,
  MatthewsCorrCoefMulti,
  RocAucMulti,
  APScoreMulti,
  BrierScoreMulti,
  type MultiOptions,
} from './multilabel.js';
export { Dice, DiceMulti, JaccardCoeff, JaccardCoeffMulti, foregroundAcc } from './segmentation.js';

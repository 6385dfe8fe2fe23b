// Regression metrics over the whole phase (AccumMetric), with tensor ops.
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';

function reg(name: string, f: (p: Tensor, t: Tensor) => Tensor): AccumMetric {
  return new AccumMetric((p, t) => f((p as Tensor).double(), (t as Tensor).double()), { flatten: true, name });
}

export const mse = (): AccumMetric => reg('mse', (p, t) => p.sub(t).square().mean());
export const mae = (): AccumMetric => reg('mae', (p, t) => p.sub(t).abs().mean());
export const msle = (): AccumMetric => reg('msle', (p, t) => p.log1p().sub(t.log1p()).square().mean());
export const rmse = (): AccumMetric => reg('rmse', (p, t) => p.sub(t).square().mean().sqrt());
/** sqrt(mean(((e^t - e^p) / e^t)^2)): RMSPE on log-scale predictions. */
export const expRmspe = (): AccumMetric => reg('expRmspe', (p, t) => t.exp().sub(p.exp()).div(t.exp()).square().mean().sqrt());
/** 1 - Var(t - p) / Var(t) (biased variances, as scikit-learn). */
export const ExplainedVariance = (): AccumMetric => reg('explainedVariance', (p, t) => t.sub(p).var(null, false).div(t.var(null, false)).neg().add(1));
/** 1 - SS_res / SS_tot. */
export const R2Score = (): AccumMetric => reg('r2Score', (p, t) => p.sub(t).square().sum().div(t.sub(t.mean()).square().sum()).neg().add(1));
/** Pearson's correlation of predictions and targets. */
export const PearsonCorrCoef = (): AccumMetric => reg('pearsonCorrCoef', (p, t) => {
  const pc = p.sub(p.mean());
  const tc = t.sub(t.mean());
  return pc.mul(tc).sum().div(pc.square().sum().sqrt().mul(tc.square().sum().sqrt()));
});

// Regression metrics over the whole phase (AccumMetric), with tensor ops; scikit-learn's sampleWeight (a
// weight per sample of the phase, in the loader's order) where scikit-learn takes one.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AccumMetric } from './accum.js';
import { labelled } from './metric.js';
import { checkOptions, checkSampleWeight } from './check.js';

export interface RegOptions {
  sampleWeight?: Tensor | readonly number[];
}

/** Weights as a float64 tensor on p's device (ones when none were given), checked against p's length. */
function weights(p: Tensor, w: RegOptions['sampleWeight']): Tensor {
  if (w === undefined) return torch.onesLike(p);
  const t = w instanceof torch.Tensor ? w.flatten().double() : torch.tensor([...w], { dtype: 'float64' });
  if (t.numel() !== p.numel()) throw new torch.FlintError(`sampleWeight has ${t.numel()} weights for ${p.numel()} predictions`);
  return t.to({ device: p.device });
}
/** The weighted mean of x. */
const wmean = (x: Tensor, w: Tensor): Tensor => x.mul(w).sum().div(w.sum());

function reg(name: string, f: (p: Tensor, t: Tensor, w: Tensor) => Tensor, options: RegOptions = {}): AccumMetric {
  const fn = `metrics.${name === 'explainedVariance' || name === 'r2Score' || name === 'pearsonCorrCoef' ? name[0]!.toUpperCase() + name.slice(1) : name}`;
  const o = checkOptions(fn, options, ['sampleWeight']);
  checkSampleWeight(fn, 'options.sampleWeight', o.sampleWeight);
  return labelled(
    new AccumMetric(
      (p, t) => {
        if ((p as Tensor).dtype.startsWith('complex') || (t as Tensor).dtype.startsWith('complex'))
          throw new torch.FlintError('regression metrics need real values');
        const pd = (p as Tensor).double();
        return f(pd, (t as Tensor).double(), weights(pd, o.sampleWeight));
      },
      { flatten: true, name },
    ),
    fn,
  );
}

export const mse = (o: RegOptions = {}): AccumMetric => reg('mse', (p, t, w) => wmean(p.sub(t).square(), w), o);
export const mae = (o: RegOptions = {}): AccumMetric => reg('mae', (p, t, w) => wmean(p.sub(t).abs(), w), o);
export const msle = (o: RegOptions = {}): AccumMetric => reg('msle', (p, t, w) => wmean(p.log1p().sub(t.log1p()).square(), w), o);
export const rmse = (o: RegOptions = {}): AccumMetric => reg('rmse', (p, t, w) => wmean(p.sub(t).square(), w).sqrt(), o);
/** sqrt(mean(((e^t - e^p) / e^t)^2)): RMSPE on log-scale predictions. */
export const expRmspe = (): AccumMetric => reg('expRmspe', (p, t) => t.exp().sub(p.exp()).div(t.exp()).square().mean().sqrt());
/** 1 - Var(t - p) / Var(t) (weighted, biased variances, as scikit-learn). */
export const ExplainedVariance = (o: RegOptions = {}): AccumMetric =>
  reg(
    'explainedVariance',
    (p, t, w) => {
      const d = t.sub(p);
      const varD = wmean(d.sub(wmean(d, w)).square(), w);
      const varT = wmean(t.sub(wmean(t, w)).square(), w);
      return varD.div(varT).neg().add(1);
    },
    o,
  );
/** 1 - SS_res / SS_tot (weighted). */
export const R2Score = (o: RegOptions = {}): AccumMetric =>
  reg(
    'r2Score',
    (p, t, w) =>
      p
        .sub(t)
        .square()
        .mul(w)
        .sum()
        .div(t.sub(wmean(t, w)).square().mul(w).sum())
        .neg()
        .add(1),
    o,
  );
/** Pearson's correlation of predictions and targets. */
export const PearsonCorrCoef = (): AccumMetric =>
  reg('pearsonCorrCoef', (p, t) => {
    const pc = p.sub(p.mean());
    const tc = t.sub(t.mean());
    return pc.mul(tc).sum().div(pc.square().sum().sqrt().mul(tc.square().sum().sqrt()));
  });

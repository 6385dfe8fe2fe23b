// The metrics `flint train --metrics` names: the catalogue's metrics by short name, each made for the task
// (a multi-class F1 averages over classes; a binary one scores the positive class, scikit-learn's defaults).
import { metrics, torch } from '../index.js';
import type { Metric } from '../metrics/index.js';

type Kind = 'classification' | 'regression';
interface Entry {
  kind: Kind;
  make: (nClasses: number) => Metric;
}

const avg = (n: number): 'binary' | 'macro' => (n === 2 ? 'binary' : 'macro');

export const CLI_METRICS: Record<string, Entry> = {
  accuracy: { kind: 'classification', make: () => metrics.accuracy() },
  errorRate: { kind: 'classification', make: () => metrics.errorRate() },
  f1: { kind: 'classification', make: (n) => metrics.F1Score({ average: avg(n) }) },
  precision: { kind: 'classification', make: (n) => metrics.Precision({ average: avg(n) }) },
  recall: { kind: 'classification', make: (n) => metrics.Recall({ average: avg(n) }) },
  balancedAccuracy: { kind: 'classification', make: () => metrics.BalancedAccuracy() },
  mcc: { kind: 'classification', make: () => metrics.MatthewsCorrCoef() },
  rocAuc: { kind: 'classification', make: (n) => (n === 2 ? metrics.RocAucBinary() : metrics.RocAuc()) },
  rmse: { kind: 'regression', make: () => metrics.rmse() },
  mae: { kind: 'regression', make: () => metrics.mae() },
  mse: { kind: 'regression', make: () => metrics.mse() },
  r2: { kind: 'regression', make: () => metrics.R2Score() },
  pearson: { kind: 'regression', make: () => metrics.PearsonCorrCoef() },
};

/** The named metrics for a task; an unknown name or one of the other task's is an error listing the right ones. */
export function cliMetrics(names: string[], kind: Kind, nClasses: number): Metric[] {
  const fits = Object.keys(CLI_METRICS).filter((k) => CLI_METRICS[k]!.kind === kind);
  return names.map((n) => {
    const e = Object.hasOwn(CLI_METRICS, n) ? CLI_METRICS[n] : undefined;
    if (!e || e.kind !== kind) throw new torch.FlintError(`--metrics: '${n}' is not a ${kind} metric; choose from ${fits.join(', ')}`);
    return e.make(nClasses);
  });
}

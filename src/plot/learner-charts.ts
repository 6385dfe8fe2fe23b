// The Learner's charts, from plain numbers (the callbacks hold the numbers; the drawing lives here): the loss
// curves, the LR finder's, the schedules' and a layer's activation statistics.
import { lineChartSvg, type Series } from './chart.js';
import { sideBySideSvg } from './activations.js';

/** The smoothed training loss per iteration from skipStart on, and validation losses as markers. */
export function lossChart(losses: readonly number[], validPoints: readonly [number, number][], skipStart: number): string {
  const series: Series[] = [{ name: 'train', points: losses.slice(skipStart).map((l, i) => [i + skipStart, l]), markers: false }];
  const valid = validPoints.filter((p) => p[0] > skipStart);
  if (valid.length) series.push({ name: 'valid', points: [...valid], markers: true });
  return lineChartSvg(series, { xName: 'iteration', yName: 'loss' });
}

/** Loss against learning rate (log scale), the last skipEnd points left out, suggestions marked. */
export function lrFindChart(
  lrs: readonly number[],
  losses: readonly number[],
  skipEnd: number,
  suggestions: Record<string, [number, number]>,
): string {
  const end = Math.max(0, lrs.length - skipEnd);
  const series: Series[] = [{ name: 'loss', points: lrs.slice(0, end).map((lr, i) => [lr, losses[i]!]), markers: false }];
  for (const [name, p] of Object.entries(suggestions)) series.push({ name, points: [p], markers: true });
  return lineChartSvg(series, { xName: 'learning rate', yName: 'loss', logX: true });
}

/** One line chart per named curve, side by side (fastai's plot_sched, plot_layer_stats). */
export function curvesChart(curves: Record<string, readonly number[]>, xName: string, width = 480, height = 300): string {
  const svgs = Object.entries(curves).map(([title, ys]) =>
    lineChartSvg([{ name: title, points: ys.map((v, i) => [i, v]) }], { title, xName, width, height }),
  );
  return sideBySideSvg(svgs, width, height);
}

// The LR finder's suggestion functions (fastai's valley, slide, minimum, steep), on the recorded
// learning rates and smoothed losses. Each returns the suggested lr and the (lr, loss) point to mark.
import { checkArray, checkInt, checkNumber, checkOptions, fail } from '../torch/validate.js';

export type Suggestion = (lrs: number[], losses: number[], numIt: number) => { lr: number; point: [number, number] };

/** The finder's curve: at least two learning rates (> 0) and as many losses (numbers, not NaN). */
function checkCurve(fn: string, lrs: unknown, losses: unknown): void {
  const a = checkArray<unknown>(fn, 'lrs', lrs, 'an array of learning rates');
  const b = checkArray<unknown>(fn, 'losses', losses, 'an array of losses');
  if (a.length < 2) fail(fn, 'lrs', 'at least two learning rates', lrs);
  if (b.length !== a.length) fail(fn, 'losses', `${a.length} losses, one per learning rate`, losses);
  a.forEach((x, i) => checkNumber(fn, `lrs[${i}]`, x, { gt: 0 }));
  b.forEach((x, i) => checkNumber(fn, `losses[${i}]`, x, { infinite: true }));
}

/** The lr a little way into the longest valley (strictly decreasing run) of the loss. */
export const valley: Suggestion = (lrs, losses) => {
  checkCurve('callbacks.valley', lrs, losses);
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i]! < losses[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1;
      if (lds[maxEnd]! < lds[i]!) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd]!;
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const idx = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  return { lr: lrs[idx]!, point: [lrs[idx]!, losses[idx]!] };
};

/** numpy.gradient: central differences inside, one-sided at the ends. */
function gradient(y: number[]): number[] {
  const n = y.length;
  if (n < 2) return y.map(() => 0);
  return y.map((_, i) => (i === 0 ? y[1]! - y[0]! : i === n - 1 ? y[n - 1]! - y[n - 2]! : (y[i + 1]! - y[i - 1]!) / 2));
}
/** Linear interpolation of (xs, ys) at x (numpy.interp, xs increasing). */
function interp(x: number, xs: number[], ys: number[]): number {
  if (x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) if (x <= xs[i]!) return ys[i - 1]! + ((ys[i]! - ys[i - 1]!) * (x - xs[i - 1]!)) / (xs[i]! - xs[i - 1]!);
  return ys[ys.length - 1]!;
}

/** Slides an interval down from the end until the loss gradient flattens (fastai's slide rule). */
export function slide(o: { lrDiff?: number; thresh?: number; adjustValue?: number } = {}): Suggestion {
  const fn = 'callbacks.slide';
  checkOptions(fn, o, ['lrDiff', 'thresh', 'adjustValue'], 'opts');
  const lrDiff = o.lrDiff === undefined ? 15 : checkInt(fn, 'opts.lrDiff', o.lrDiff, { min: 1 });
  const thresh = o.thresh === undefined ? 0.005 : checkNumber(fn, 'opts.thresh', o.thresh, { min: 0 });
  const adjust = o.adjustValue === undefined ? 1 : checkNumber(fn, 'opts.adjustValue', o.adjustValue, { gt: 0 });
  return (lrs, losses) => {
    checkCurve(fn, lrs, losses);
    const g = gradient(losses);
    const at = <T>(xs: T[], i: number): T => xs[i < 0 ? xs.length + i : i]!;
    let r = -1;
    let l = r - lrDiff;
    // a curve shorter than lrDiff starts the interval at its first point
    let local = at(lrs, Math.max(l, -lrs.length));
    while (l >= -losses.length && Math.abs(at(g, r) - at(g, l)) > thresh) {
      local = at(lrs, l);
      r -= 1;
      l -= 1;
    }
    const lr = local * adjust;
    return { lr, point: [lr, interp(Math.log10(lr), lrs.map(Math.log10), losses)] };
  };
}

/** A tenth of the lr at the minimum loss. */
export const minimum: Suggestion = (lrs, losses) => {
  checkCurve('callbacks.minimum', lrs, losses);
  let k = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i]! < losses[k]!) k = i;
  return { lr: lrs[k]! / 10, point: [lrs[k]!, losses[k]!] };
};

/** The lr where the loss falls fastest against log(lr). */
export const steep: Suggestion = (lrs, losses) => {
  checkCurve('callbacks.steep', lrs, losses);
  let k = 0;
  let best = Infinity;
  for (let i = 0; i + 1 < losses.length; i++) {
    const g = (losses[i + 1]! - losses[i]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i]!));
    if (g < best) {
      best = g;
      k = i;
    }
  }
  return { lr: lrs[k]!, point: [lrs[k]!, losses[k]!] };
};

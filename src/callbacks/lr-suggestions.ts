// The LR finder's suggestion functions (fastai's valley, slide, minimum, steep), on the recorded
// learning rates and smoothed losses. Each returns the suggested lr and the (lr, loss) point to mark.
export type Suggestion = (lrs: number[], losses: number[], numIt: number) => { lr: number; point: [number, number] };

/** The lr a little way into the longest valley (strictly decreasing run) of the loss. */
export const valley: Suggestion = (lrs, losses) => {
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
  return (lrs, losses) => {
    const lrDiff = o.lrDiff ?? 15;
    const thresh = o.thresh ?? 0.005;
    const g = gradient(losses);
    const at = <T>(xs: T[], i: number): T => xs[i < 0 ? xs.length + i : i]!;
    let r = -1;
    let l = r - lrDiff;
    let local = at(lrs, l);
    while (l >= -losses.length && Math.abs(at(g, r) - at(g, l)) > thresh) {
      local = at(lrs, l);
      r -= 1;
      l -= 1;
    }
    const lr = local * (o.adjustValue ?? 1);
    return { lr, point: [lr, interp(Math.log10(lr), lrs.map(Math.log10), losses)] };
  };
}

/** A tenth of the lr at the minimum loss. */
export const minimum: Suggestion = (lrs, losses) => {
  let k = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i]! < losses[k]!) k = i;
  return { lr: lrs[k]! / 10, point: [lrs[k]!, losses[k]!] };
};

/** The lr where the loss falls fastest against log(lr). */
export const steep: Suggestion = (lrs, losses) => {
  let k = 0;
  let best = Infinity;
  for (let i = 0; i + 1 < losses.length; i++) {
    const g = (losses[i + 1]! - losses[i]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i]!));
    if (g < best) { best = g; k = i; }
  }
  return { lr: lrs[k]!, point: [lrs[k]!, losses[k]!] };
};

// fastai's LightingTfm and its kinds (Brightness, Contrast), fused: all of them work on the logits of the image
// (y = sigmoid(f(logit(x)))), so they run as one chain of in-place ops on one new buffer, training split only.
import type { Tensor } from '../torch/index.js';
import { checkArray, checkBool, checkFunction, checkNumber, checkOptions, fail } from '../torch/validate.js';
import { BatchTransform, type BatchSplit } from './batch-transform.js';
import { type Draw, checkDraw, drawMask, uniform } from './draws.js';
import { logitStep, shapeOnlyDraw } from './fusable.js';

/** A lighting function: draws for the batch x, and returns what it does to the logits (in place). */
export type LightingFn = (x: Tensor) => (logits: Tensor) => void;

const EPS = 1e-7;

/** fastai's logit, clamped so that 0 and 1 stay finite: −log(1/clamp(x, 1e−7, 1−1e−7) − 1), computed as libtorch's
 * logit(x, 1e−7) = log(p / (1 − p)) on the clamped p, the same value in one pass over the batch instead of five. */
export function logit(x: Tensor): Tensor {
  return x.logit(EPS);
}

export class LightingTfm extends BatchTransform {
  readonly order = 40;
  readonly splitIdx = 0 as const;
  protected readonly fn: string;
  readonly fs: readonly LightingFn[];

  constructor(fs: readonly LightingFn[], fn = 'vision.LightingTfm') {
    super();
    this.fn = fn;
    this.fs = checkArray<LightingFn>(fn, 'fs', fs, 'an array of functions').map((f, i) => checkFunction<LightingFn>(fn, `fs[${i}]`, f));
  }

  /** One transform doing both (fastai's compose): this one's functions, then other's. */
  compose(other: LightingTfm): LightingTfm {
    if (!(other instanceof LightingTfm)) fail(`${this.fn}.compose`, 'other', 'a LightingTfm (Brightness, Contrast...)', other);
    return new LightingTfm([...this.fs, ...other.fs]);
  }

  protected override beforeCall(x: Tensor, _split: BatchSplit): ((logits: Tensor) => void)[] {
    return this.fs.map((f) => f(x));
  }

  protected encodes(x: Tensor, _split: BatchSplit, draws: unknown): Tensor {
    const y = logit(x);
    for (const f of draws as ((logits: Tensor) => void)[]) f(y);
    return y.sigmoid_();
  }
}

export interface LightingOptions {
  maxLighting?: number;
  p?: number;
  draw?: Draw;
  batch?: boolean;
}

function lightingOpts(fn: string, options: LightingOptions | undefined) {
  const o = checkOptions(fn, options, ['maxLighting', 'p', 'draw', 'batch']);
  return {
    max: o.maxLighting === undefined ? 0.2 : checkNumber(fn, 'options.maxLighting', o.maxLighting, { min: 0, max: 0.99 }),
    p: o.p === undefined ? 0.75 : checkNumber(fn, 'options.p', o.p, { min: 0, max: 1 }),
    draw: checkDraw(fn, 'options.draw', o.draw),
    batch: o.batch === undefined ? false : checkBool(fn, 'options.batch', o.batch),
  };
}

/** Per-image [N] values as (N, 1, 1, 1), to broadcast over an image batch. */
const perImage = (v: Tensor): Tensor => v.reshape([-1, 1, 1, 1]);

/** fastai's Brightness: adds logit(b) to the logits, b ~ U(0.5(1 − maxLighting), 0.5(1 + maxLighting)) with
 * probability p (0.75), else 0.5 (no change). `draw` gives b. */
export class Brightness extends LightingTfm {
  constructor(options?: LightingOptions) {
    const fn = 'vision.Brightness';
    const { max, p, draw, batch } = lightingOpts(fn, options);
    const f: LightingFn = (x) => {
      const b = drawMask(x, {
        fn,
        arg: 'options.draw',
        def: (t) => uniform(t, 0.5 * (1 - max), 0.5 * (1 + max), batch),
        draw,
        p,
        neutral: 0.5,
        batch,
      });
      const lb = perImage(logit(b));
      return logitStep((y: Tensor) => void y.add_(lb), 'add', lb);
    };
    super([shapeOnlyDraw(f, [draw])], fn);
  }
}

/** fastai's Contrast: multiplies the logits by c = exp(U(log(1 − maxLighting), −log(1 − maxLighting))) with
 * probability p (0.75), else 1. `draw` gives c. */
export class Contrast extends LightingTfm {
  constructor(options?: LightingOptions) {
    const fn = 'vision.Contrast';
    const { max, p, draw, batch } = lightingOpts(fn, options);
    const f: LightingFn = (x) => {
      const lo = Math.log(1 - max);
      const c = drawMask(x, { fn, arg: 'options.draw', def: (t) => uniform(t, lo, -lo, batch).exp(), draw, p, neutral: 1, batch });
      const ci = perImage(c);
      return logitStep((y: Tensor) => void y.mul_(ci), 'mul', ci);
    };
    super([shapeOnlyDraw(f, [draw])], fn);
  }
}

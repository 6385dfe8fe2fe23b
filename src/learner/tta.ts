// learn.tta(): fastai's Learner.tta (test-time augmentation). n passes over a loader with the training
// transforms (the training loader's afterBatch, or `augment`), their predictions averaged (or their maximum
// taken), then one plain pass; the two are blended with lerp(aug, plain, beta) (or their maximum with useMax).
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkFunction, checkInt, checkNumber, checkOptions, nameError } from '../torch/validate.js';
import type { Batch, DataLoader } from '../data/index.js';
import type { Learner } from './learner.js';
import { optBool, optLoader } from './checks.js';

const FN = 'Learner.tta';
// more passes than anyone averages: a mistyped n is refused rather than run for ever
const MAX_PASSES = 1000;

export interface TtaOptions {
  /** The loader to predict on: the validation loader by default (every item, in order). */
  dl?: DataLoader<any>;
  /** Augmented passes (fastai's n), 1 to 1000; default 4. */
  n?: number;
  /** The plain pass's weight in lerp(augmented, plain, beta); default 0.25. null: both returned apart. */
  beta?: number | null;
  /** The element-wise maximum of the passes instead of their mean, and of that and the plain pass. */
  useMax?: boolean;
  /** The augmentation (a batch transform), in place of the training loader's afterBatch. */
  augment?: (batch: Batch) => Batch;
}

/** Everything owned by the caller. `targs` is the first target (null without targets), `targets` every one,
 * as getPreds gives them; with beta null, `preds` is the augmented passes' combination and `plainPreds` the
 * plain pass's. */
export interface TtaResult {
  preds: Tensor;
  plainPreds?: Tensor;
  targs: Tensor | null;
  targets: Tensor[];
}

interface Checked {
  dl: DataLoader<any> | undefined;
  n: number;
  beta: number | null;
  useMax: boolean;
  augment: ((b: Batch) => Batch) | undefined;
}

/** tta's options, checked (before any pass runs). */
export function checkTtaOptions(opts: unknown): Checked {
  const o = checkOptions<TtaOptions>(FN, opts as TtaOptions | undefined, ['dl', 'n', 'beta', 'useMax', 'augment'], 'opts');
  return {
    dl: optLoader(FN, 'opts.dl', o.dl),
    n: o.n === undefined ? 4 : checkInt(FN, 'opts.n', o.n, { min: 1, max: MAX_PASSES }),
    beta: o.beta === undefined ? 0.25 : o.beta === null ? null : checkNumber(FN, 'opts.beta', o.beta, { min: 0, max: 1 }),
    useMax: optBool(FN, 'opts.useMax', o.useMax) ?? false,
    augment: o.augment === undefined ? undefined : checkFunction<(b: Batch) => Batch>(FN, 'opts.augment', o.augment),
  };
}

/** tta's work, its options checked: the caller runs it as one operation of the Learner. */
export async function ttaNow(learn: Learner, o: Checked): Promise<TtaResult> {
  const dl = o.dl ?? learn.dls.valid;
  const augment = o.augment ?? learn.dls.train.afterBatch;
  if (augment === null) {
    throw new FlintError(`${FN}: nothing to augment with: the training loader has no afterBatch transform; give opts.augment`);
  }
  const augDl = dl.new({ afterBatch: augment, shuffle: false, dropLast: false });
  let acc: Tensor | undefined;
  let plain: Awaited<ReturnType<Learner['getPreds']>> | undefined;
  try {
    for (let i = 0; i < o.n; i++) {
      const r = await learn.getPreds({ dl: augDl });
      torch.dispose(r.targets);
      // a running sum (or maximum): one pass's predictions alive at a time besides it
      if (acc === undefined) acc = r.preds;
      else {
        const next = torch.tidy(() => (o.useMax ? acc!.maximum(r.preds) : acc!.add(r.preds))).keep();
        acc.dispose();
        r.preds.dispose();
        acc = next;
      }
    }
    if (!o.useMax) {
      const mean = torch.tidy(() => acc!.div(o.n)).keep();
      acc!.dispose();
      acc = mean;
    }
    plain = await learn.getPreds({ dl });
    const p = plain;
    const { targs, targets } = p;
    if (o.useMax) return { preds: torch.tidy(() => p.preds.maximum(acc!)).keep(), targs, targets };
    if (o.beta === null) {
      const out = { preds: acc!, plainPreds: p.preds, targs, targets };
      acc = undefined;
      plain = undefined;
      return out;
    }
    const beta = o.beta;
    return { preds: torch.tidy(() => acc!.lerp(p.preds, beta)).keep(), targs, targets };
  } catch (e) {
    if (plain) torch.dispose(plain.targets);
    throw nameError(FN, e);
  } finally {
    acc?.dispose();
    plain?.preds.dispose();
  }
}

/** fastai's Learner.tta as a function of the Learner (learn.tta(opts) calls it). */
export async function tta(learn: Learner, opts: TtaOptions = {}): Promise<TtaResult> {
  return ttaNow(learn, checkTtaOptions(opts));
}

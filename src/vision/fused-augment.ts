// fastai's batch augmentation off the JS thread, for an image loader's training batches. The draws are made here,
// on the JS thread, in fastai's order (the affine matrices, then the lighting), from carriers of the batch's shape
// (what they read: fusable.ts); the pixels are then computed by one native op on a libuv thread (IntToFloat, the
// homography grid_sample, the logit-space lighting), equal bitwise to the JS transforms, while the JS thread goes
// on with the training step. A pipeline of another form (a user's transform, a draw that reads the pixels, the
// pre-shrink of a large downscale) runs on the JS path, as before.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { augmentAsync, augmentPreShrinks } from '../torch/augment-async.js';
import type { Batch } from '../data/index.js';
import { AffineCoordTfm, Dihedral, Flip, Rotate, Warp, Zoom } from './affine.js';
import type { BatchTransform } from './batch-transform.js';
import { drawsFromShape, logitStepOf } from './fusable.js';
import { Brightness, Contrast, LightingTfm } from './lighting.js';
import { IntToFloatTensor, Normalize } from './normalize.js';

/** The parts of a fusable training pipeline: IntToFloat, then at most one affine and one lighting transform whose
 * draws read only the shape, then only Normalize (deterministic, applied on the JS thread after). */
interface Plan {
  toFloat: IntToFloatTensor;
  affine: AffineCoordTfm | null;
  lighting: LightingTfm | null;
  rest: Normalize[];
}

const AFFINE_KINDS: unknown[] = [AffineCoordTfm, Flip, Rotate, Zoom, Warp, Dihedral];
const LIGHTING_KINDS: unknown[] = [LightingTfm, Brightness, Contrast];

function planOf(list: readonly BatchTransform[]): Plan | null {
  const [first, ...others] = list;
  if (!(first instanceof IntToFloatTensor)) return null;
  let i = 0;
  const at = others[i];
  // the library's classes only: a subclass of the user's may compute something else
  const affine = at instanceof AffineCoordTfm && AFFINE_KINDS.includes(at.constructor) ? at : null;
  if (affine !== null) {
    if (![...affine.affFs, ...affine.coordFs].every(drawsFromShape)) return null;
    i++;
  }
  const lt = others[i];
  const lighting = lt instanceof LightingTfm && LIGHTING_KINDS.includes(lt.constructor) ? lt : null;
  if (lighting !== null) {
    if (!lighting.fs.every(drawsFromShape)) return null;
    i++;
  }
  const rest = others.slice(i);
  if (!rest.every((t) => t instanceof Normalize) || (affine === null && lighting === null)) return null;
  return { toFloat: first, affine, lighting, rest: rest as Normalize[] };
}

/**
 * The training batch through `list` (already in fastai's order): a promise of the augmented batch when the
 * pipeline can run off the JS thread, else null (the caller runs the JS path). The draws are made before this
 * returns.
 */
export function fusedAugment(list: readonly BatchTransform[], batch: Batch): Promise<Batch> | null {
  const plan = planOf(list);
  if (plan === null) return null;
  const parts = Array.isArray(batch) ? batch : [batch];
  const x = parts[0] as Tensor;
  if (!(x instanceof torch.Tensor) || x.isDisposed || x.ndim !== 4 || x.shape.some((d) => d === 0)) return null;
  const [n, c, hIn, wIn] = x.shape as [number, number, number, number];
  const { affine, lighting } = plan;
  const [h, w] = affine?.size ?? [hIn, wIn];
  // resample's pre-shrink (fastai's _grid_sample, bilinear, shrinking over 2x) stays on the JS path
  if (affine !== null && augmentPreShrinks(hIn, wIn, w, affine.mode)) return null;
  // what IntToFloat gives: float32 (the draws take their dtype and device from it)
  const carrier = (hh: number, ww: number): Tensor => torch.zeros([1, 1, 1, 1], { device: x.device }).expand([n, c, hh, ww]);
  const m = affine === null ? null : affine.matrices(carrier(hIn, wIn), { split: 'train' });
  // the library's lighting functions always return marked steps (fusable.ts)
  const steps = lighting === null ? null : lighting.fs.map((f) => logitStepOf(f(carrier(h, w)))!);
  const out = augmentAsync(x, {
    div: plan.toFloat.div,
    mat: m?.mat ?? null,
    coord: m?.coord ?? null,
    size: [h, w],
    mode: affine?.mode ?? 'bilinear',
    padMode: affine?.padMode ?? 'reflection',
    alignCorners: affine?.alignCorners ?? true,
    logitOps: steps,
  });
  return out.then((y) => {
    let z = y;
    for (const t of plan.rest) {
      const next = t.apply(z, { split: 'train' });
      if (next !== z) z.dispose();
      z = next;
    }
    return Array.isArray(batch) ? [z, ...parts.slice(1)] : z;
  });
}

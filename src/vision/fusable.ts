// What the off-thread batch augmentation (fused-augment.ts) may take over: draw functions that read only the batch's
// shape, dtype and device (the library's own, when no draw option is a function of the batch, which could read
// the pixels), and lighting steps that are one add or multiply of the logits. The library marks them as it makes
// them; anything unmarked (a user's own function) keeps the batch on the JS path.
import type { Tensor } from '../torch/index.js';

const shapeOnly = new WeakSet<object>();
const logitSteps = new WeakMap<object, ['add' | 'mul', Tensor]>();

/** Marks `f` as drawing from the batch's shape alone when `draws` holds no function of the batch. */
export function shapeOnlyDraw<F extends object>(f: F, draws: readonly unknown[]): F {
  if (draws.every((d) => typeof d !== 'function')) shapeOnly.add(f);
  return f;
}
export const drawsFromShape = (f: object): boolean => shapeOnly.has(f);

/** Marks a lighting step (what a LightingFn returns) as `logits.add_(t)` or `logits.mul_(t)`. */
export function logitStep<F extends object>(f: F, op: 'add' | 'mul', t: Tensor): F {
  logitSteps.set(f, [op, t]);
  return f;
}
export const logitStepOf = (f: object): ['add' | 'mul', Tensor] | undefined => logitSteps.get(f);

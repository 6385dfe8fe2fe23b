// The Learner's argument checks, done at the public surface before anything changes (the validation layer's
// helpers are in torch/validate.ts; these are the Learner's own shapes: callbacks, learning rates, loaders).
import { checkArray, checkNumber, checkPath, fail, isTensorLike, named, optBool } from '../torch/validate.js';

export { checkPath, named, optBool };
import { Module } from '../nn/index.js';
import { DataLoader } from '../data/index.js';
import { Callback } from './callback.js';

export type CallbackInput = Callback | (new () => Callback);

/** A Callback instance or a Callback subclass (which the Learner instantiates). */
export function checkCallback(fn: string, arg: string, v: unknown): CallbackInput {
  if (v instanceof Callback) return v;
  if (typeof v === 'function' && (v === Callback || v.prototype instanceof Callback)) return v as new () => Callback;
  return fail(fn, arg, 'a Callback or a Callback subclass', v);
}

/** An array of callbacks (undefined gives [] unless `required`). */
export function checkCallbacks(fn: string, arg: string, v: unknown, required = false): CallbackInput[] {
  if (v === undefined && !required) return [];
  return checkArray(fn, arg, v, 'an array of callbacks').map((c, i) => checkCallback(fn, `${arg}[${i}]`, c));
}

/** A learning rate: a number >= 0 (finite), one per parameter group, or fastai's slice { start?, stop } under the
 * optimizer's rule (Optimizer.setHyper): stop >= 0; start absent, null or 0 (stop/10 for all but the last group),
 * or > 0 with stop > 0 (spread geometrically). null/undefined start gives { stop }. */
export function checkLr(fn: string, arg: string, v: unknown): number | number[] | { start?: number; stop: number } {
  const one = (x: unknown, a: string): number => checkNumber(fn, a, x, { min: 0 });
  if (typeof v === 'number') return one(v, arg);
  if (Array.isArray(v)) {
    if (v.length === 0) fail(fn, arg, 'a learning rate, one per parameter group, or { start, stop }', v);
    return v.map((x, i) => one(x, `${arg}[${i}]`));
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && 'stop' in v) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'start' && k !== 'stop') fail(fn, `${arg}.${k}`, "only 'start' and 'stop'", k);
    const stop = one(o.stop, `${arg}.stop`);
    if (o.start === undefined || o.start === null) return { stop };
    const start = one(o.start, `${arg}.start`);
    if (start > 0 && !(stop > 0)) fail(fn, `${arg}.stop`, 'a positive number with a start (the values are spread geometrically)', stop);
    return { start, stop };
  }
  return fail(fn, arg, 'a learning rate (a number >= 0), one per parameter group, or { start, stop }', v);
}

/** A per-group learning-rate list must have one value per parameter group. */
export function checkLrGroups(fn: string, arg: string, lr: unknown, groups: number): void {
  if (Array.isArray(lr) && lr.length !== groups) fail(fn, arg, `${groups} learning rate(s), one per parameter group`, lr);
}

/** Weight decay: null/undefined (the optimizer's own) or a finite number >= 0. */
export function checkWd(fn: string, arg: string, v: unknown): number | null | undefined {
  if (v === undefined || v === null) return v;
  return checkNumber(fn, arg, v, { min: 0 });
}

/** A DataLoader (or undefined, the default one). */
export function optLoader(fn: string, arg: string, v: unknown): DataLoader<any> | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof DataLoader)) fail(fn, arg, 'a data.DataLoader', v);
  return v as DataLoader<any>;
}

/** Three momentums (fastai's moms): finite numbers in [0, 1]. */
export function checkMoms(fn: string, arg: string, v: unknown): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3) fail(fn, arg, 'three momentums [start, middle, end]', v);
  return (v as unknown[]).map((m, i) => checkNumber(fn, `${arg}[${i}]`, m, { min: 0, max: 1 })) as [number, number, number];
}

/** A loss function: an nn Module or a function. */
export function checkLossFunc(fn: string, arg: string, v: unknown): void {
  if (!(v instanceof Module) && typeof v !== 'function') fail(fn, arg, 'a loss function (an nn loss module or a function)', v);
}

/** What the splitter returned: a list of tensors or a list of lists of tensors (parameter groups). */
export function checkParamGroups(fn: string, v: unknown): void {
  const bad = (): never => fail(fn, 'splitter', 'a splitter returning parameters (a list of tensors, or a list of lists)', v);
  if (!Array.isArray(v) || v.length === 0) bad();
  for (const g of v as unknown[]) {
    const items = Array.isArray(g) ? g : [g];
    for (const p of items) if (!isTensorLike(p)) bad();
  }
}

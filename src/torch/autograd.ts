// Gradient-mode switches and torch.autograd.grad. Grad mode is process-wide (Node runs JS on one thread).
import { native } from './native.js';
import { type Handle } from './native.js';
import { Tensor, op, wrap } from './tensor.js';
import { runThenRestore } from './restore.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev: boolean = native.isGradEnabled();
  native.setGradEnabled(enabled);
  // an async fn keeps the mode until it settles (the same one-at-a-time rule as async tidy scopes)
  return runThenRestore(fn, () => native.setGradEnabled(prev));
}

/** Runs fn with gradient tracking off (PyTorch's `with torch.no_grad()`). */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn);
/** Runs fn with gradient tracking on, e.g. inside a noGrad region. */
export const enableGrad = <T>(fn: () => T): T => withGradMode(true, fn);
export const isGradEnabled = (): boolean => native.isGradEnabled();
export const setGradEnabled = (enabled: boolean): void => native.setGradEnabled(enabled);

export interface GradOptions {
  gradOutputs?: Tensor[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** d(outputs)/d(inputs) without touching .grad (PyTorch's torch.autograd.grad); unused inputs give null. */
function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], o: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const hs = native.autogradGrad(outs.map(op), ins.map(op), o.gradOutputs ? o.gradOutputs.map(op) : null,
    o.retainGraph ?? null, o.createGraph ?? false, o.allowUnused ?? false);
  return (hs as (Handle | null)[]).map((h) => (h === null ? null : wrap(h)));
}

export const autograd = { grad };

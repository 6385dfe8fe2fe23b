// Gradient-mode switches and torch.autograd.grad. Grad mode is process-wide (Node runs JS on one thread).
import { native } from './native.js';
import type { Handle } from './native.js';
import { type Tensor, h, wrap } from './tensor.js';
import { runThenRestore } from './restore.js';
import { checkArray, checkFunction, checkOptions, checkTensor, named } from './validate.js';

function withGradMode<T>(name: string, enabled: boolean, fn: () => T): T {
  checkFunction(name, 'fn', fn);
  const prev: boolean = native.isGradEnabled();
  native.setGradEnabled(enabled);
  // an async fn keeps the mode until it settles (the same one-at-a-time rule as async tidy scopes)
  return runThenRestore(fn, () => native.setGradEnabled(prev));
}

/** Runs fn with gradient tracking off (PyTorch's `with torch.no_grad()`). */
export const noGrad = <T>(fn: () => T): T => withGradMode('torch.noGrad', false, fn);
/** Runs fn with gradient tracking on, e.g. inside a noGrad region. */
export const enableGrad = <T>(fn: () => T): T => withGradMode('torch.enableGrad', true, fn);
export const isGradEnabled = (): boolean => native.isGradEnabled();
export const setGradEnabled = (enabled: boolean): void => native.setGradEnabled(enabled);

export interface GradOptions {
  gradOutputs?: Tensor[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** d(outputs)/d(inputs) without touching .grad (PyTorch's torch.autograd.grad); unused inputs give null. */
function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts?: GradOptions): (Tensor | null)[] {
  const fn = 'torch.autograd.grad';
  const o = checkOptions(fn, opts, ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused']);
  const outs = Array.isArray(outputs) ? outputs : [checkTensor(fn, 'outputs', outputs)];
  const ins = Array.isArray(inputs) ? inputs : [checkTensor(fn, 'inputs', inputs)];
  const gradOutputs =
    o.gradOutputs === undefined || o.gradOutputs === null
      ? null
      : checkArray<Tensor>(fn, 'opts.gradOutputs', o.gradOutputs, 'an array of tensors').map(h);
  const hs = named(fn, () =>
    native.autogradGrad(outs.map(h), ins.map(h), gradOutputs, o.retainGraph ?? null, o.createGraph ?? false, o.allowUnused ?? false),
  );
  return (hs as (Handle | null)[]).map((h) => (h === null ? null : wrap(h)));
}

export const autograd = { grad };

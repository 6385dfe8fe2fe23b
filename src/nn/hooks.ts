// Hooks on modules (PyTorch's register_forward_pre_hook / register_forward_hook / register_full_backward_hook):
// functions a module runs around its forward when called with module.call, or once a backward reaches that call,
// each removable through the handle its registration returns.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { addPendingBackward, nextCallSeq } from '../torch/backward-hooks.js';

/** Runs before forward with the inputs; returning an array (or one value) replaces them. */
export type ForwardPreHook<M> = (module: M, inputs: unknown[]) => unknown;
/** Runs after forward with the inputs and the output; returning anything but undefined replaces the output. */
export type ForwardHook<M> = (module: M, inputs: unknown[], output: unknown) => unknown;

let nextId = 0;

/** What a hook registration returns: remove() unregisters it (idempotent), as PyTorch's RemovableHandle. */
export class RemovableHandle {
  readonly id = nextId++;
  #registry: Map<number, unknown> | null;
  constructor(registry: Map<number, unknown>) {
    this.#registry = registry;
  }
  remove(): void {
    this.#registry?.delete(this.id);
    this.#registry = null;
  }
}

/**
 * Runs when a backward reaches the module's call, with the gradients of its inputs (null for an input that is
 * not a tensor or does not require grad, as PyTorch gives None) and of its outputs (PyTorch's
 * register_full_backward_hook). It must return undefined: see Module.registerFullBackwardHook.
 */
export type FullBackwardHook<M> = (module: M, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => void;

function tensors(v: unknown): (Tensor | null)[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (x instanceof torch.Tensor ? x : null));
}

function retained(t: Tensor | null): Tensor | null {
  if (t === null || t.isDisposed || !t.requiresGrad) return null;
  if (!t.isLeaf) t.retainGrad();
  return t;
}

/** Whether a tensor has a gradient, without leaving a wrapper behind. */
function hasGrad(t: Tensor): boolean {
  const g = t.grad;
  if (g === null) return false;
  g.dispose();
  return true;
}

/**
 * Records a call of a module with backward hooks (made by Module.call with grad enabled): the gradients of its
 * tensor inputs and outputs that require grad are retained, and the first backward reaching an output fires the
 * hooks registered now that are still registered then, in backward's order. A call whose outputs do not require
 * grad records nothing, as PyTorch runs no hook there.
 */
export function recordBackward<M>(module: M, startSeq: number, hooks: Map<number, unknown>, inputs: unknown[], output: unknown): void {
  const ins = inputs.map((x) => retained(x instanceof torch.Tensor ? x : null));
  const outs = tensors(output).map(retained);
  const watched = outs.filter((t): t is Tensor => t !== null);
  if (watched.length === 0) return;
  // where backward meets the call: at its inputs (numbered when the call started) when one requires grad, else
  // at its outputs (numbered now), which PyTorch's hooks mark the same way
  const seq = ins.some((t) => t !== null) ? startSeq : nextCallSeq();
  const registered = [...hooks];
  const all = [...watched, ...ins.filter((t): t is Tensor => t !== null)];
  addPendingBackward({
    seq,
    alive: () => all.every((t) => !t.isDisposed),
    reached: () => watched.some(hasGrad),
    fire: () => {
      const gradInput = ins.map((t) => (t === null ? null : t.grad));
      const gradOutput = outs.map((t) => (t === null ? null : t.grad));
      for (const [id, hook] of registered) {
        if (!hooks.has(id)) continue;
        const r = (hook as FullBackwardHook<M>)(module, gradInput, gradOutput);
        if (r !== undefined) {
          throw new torch.FlintError(
            'Module.registerFullBackwardHook: a backward hook returned a value; Flint runs backward hooks ' +
              'after backward has returned, so they read gradients but cannot replace them (return undefined)',
          );
        }
      }
    },
  });
}

// Module backward hooks without native tensor hooks. A module call with backward hooks (nn's Module.call)
// retains the gradients of the tensors around it and leaves a record here; Tensor.backward, once libtorch's
// backward has returned, fires the records it reached, latest call first (the order backward visits modules).
import { native } from './native.js';

/** One hooked module call waiting for a backward that reaches it. */
export interface PendingBackward {
  /** The order in which the call started: a later call is visited earlier by backward. */
  readonly seq: number;
  /** False once the call's tensors are disposed (its batch scope ended): the record is then dropped. */
  alive(): boolean;
  /** Whether a backward has reached the call (one of its outputs has a gradient). */
  reached(): boolean;
  /** Runs the hooks (with gradient tracking off, as during PyTorch's backward). */
  fire(): void;
}

let pending: PendingBackward[] = [];
let seq = 0;
// records are swept for dead ones when the list doubles past its last swept size, so a loop of forwards
// with no backward (and tensors freed by its scopes) does not grow it
let sweepAt = 64;

/** The order number of a module call starting now. */
export function nextCallSeq(): number {
  return seq++;
}

/** Leaves a record for the backward that will reach it. */
export function addPendingBackward(r: PendingBackward): void {
  pending.push(r);
  if (pending.length >= sweepAt) {
    pending = pending.filter((p) => p.alive());
    sweepAt = Math.max(64, pending.length * 2);
  }
}

/** How many records wait (for tests: records must not pile up). */
export function pendingBackwardCount(): number {
  return pending.length;
}

/** Called by Tensor.backward after libtorch's backward: fires the records it reached, once each, latest call
 * first, and drops those and the dead ones. A hook's error propagates after the other hooks have run. */
export function fireBackwardHooks(): void {
  if (pending.length === 0) return;
  const due: PendingBackward[] = [];
  const keep: PendingBackward[] = [];
  for (const p of pending) {
    if (!p.alive()) continue;
    if (p.reached()) due.push(p);
    else keep.push(p);
  }
  pending = keep;
  if (due.length === 0) return;
  due.sort((a, b) => b.seq - a.seq);
  const prev = native.isGradEnabled();
  native.setGradEnabled(false);
  let error: { e: unknown } | null = null;
  try {
    for (const p of due) {
      try {
        p.fire();
      } catch (e) {
        error ??= { e };
      }
    }
  } finally {
    native.setGradEnabled(prev);
  }
  if (error) throw error.e;
}

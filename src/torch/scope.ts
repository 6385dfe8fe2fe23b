// Deterministic memory: tensors created inside torch.tidy(fn) are freed when fn returns, unless returned
// (then they move to the enclosing scope) or kept with torch.keep. Only Tensor registers itself here;
// this file knows it by a brand, so it does not import the Tensor class.
import { TorchError } from './errors.js';

export const TENSOR = Symbol.for('flint.tensor');
export interface ScopedTensor {
  readonly [TENSOR]: true;
  dispose(): void;
}

const stack: ScopedTensor[][] = [];
const kept = new WeakSet<ScopedTensor>();

/** Called by every new Tensor: it belongs to the innermost open scope, if any. */
export function track(t: ScopedTensor): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.push(t);
}

/** Exempts a tensor from every scope: it lives until dispose() (or, as a backstop, garbage collection). */
export function keep<T extends ScopedTensor>(t: T): T {
  kept.add(t);
  return t;
}

function collect(value: unknown, into: Set<ScopedTensor>, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);  // guards against cycles
  if ((value as ScopedTensor)[TENSOR] === true) {
    into.add(value as ScopedTensor);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, into, seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) { collect(k, into, seen); collect(v, into, seen); }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) collect(v, into, seen);
  }
}

function end(scope: ScopedTensor[], result: unknown): void {
  const at = stack.lastIndexOf(scope);
  const misnested = at !== stack.length - 1;
  if (at >= 0) stack.splice(at, 1);
  const returned = new Set<ScopedTensor>();
  collect(result, returned);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (returned.has(t)) {
      if (parent !== undefined) parent.push(t);
    } else if (!kept.has(t)) {
      t.dispose();
    }
  }
  if (misnested) {
    throw new TorchError('torch.tidy scopes ended out of order: two async tidy() calls overlapped. ' +
      'An async function passed to tidy owns every tensor created until its promise settles, so run such ' +
      'scopes one after another (await each), not concurrently.');
  }
}

function isPromise(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs fn in a memory scope. Tensors created inside and not returned are disposed when it ends; tensors in
 * the return value (a tensor, or arrays, Maps, Sets and plain objects holding tensors, at any depth) move to the enclosing scope.
 *
 * Async functions: the scope stays open until the promise settles, and owns every tensor created in that
 * time, by this code or by other code running during its awaits. Run async scopes one at a time.
 */
export function tidy<T>(fn: () => T): T {
  const scope: ScopedTensor[] = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    end(scope, undefined);
    throw e;
  }
  if (isPromise(result)) {
    return Promise.resolve(result).then(
      (v) => { end(scope, v); return v; },
      (e) => { end(scope, undefined); throw e; },
    ) as T;
  }
  end(scope, result);
  return result;
}

/** Disposes every tensor found in a value (a tensor, or arrays, Maps, Sets and plain objects of them). */
export function dispose(value: unknown): void {
  const found = new Set<ScopedTensor>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** How many scopes are open (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}

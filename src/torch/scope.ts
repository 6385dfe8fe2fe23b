// Deterministic memory: tensors created inside torch.tidy(fn) are freed when fn returns, unless returned
// (then they move to the enclosing scope) or kept with torch.keep. Only Tensor registers itself here;
// this file knows it by a brand, so it does not import the Tensor class.
//
// Scopes follow the async context (AsyncLocalStorage), not a global stack: a tensor belongs to the scope
// of the async context it was created in, so two async tidy() calls running at once each own only their
// own tensors, whatever order their awaits interleave and end in. Sync nesting is the same thing: run()
// makes the inner scope current for the synchronous call and restores the outer one after.
import { AsyncLocalStorage } from 'node:async_hooks';
import { checkFunction, fail } from './validate.js';

export const TENSOR = Symbol.for('flint.tensor');
export interface ScopedTensor {
  readonly [TENSOR]: true;
  dispose(): void;
}

interface Scope {
  readonly tensors: ScopedTensor[];
  /** The scope that was current when tidy() was called: where returned tensors go. */
  readonly parent: Scope | undefined;
  ended: boolean;
}

const current = new AsyncLocalStorage<Scope>();
const kept = new WeakSet<ScopedTensor>();
let open = 0;

/**
 * The scope that owns what is created now: the current context's, or, when that one has already ended (a
 * timer or promise callback outliving the tidy that scheduled it), its nearest open ancestor.
 */
function owner(s: Scope | undefined): Scope | undefined {
  while (s?.ended) s = s.parent;
  return s;
}

/** Called by every new Tensor: it belongs to the scope of the async context it is created in, if any. */
export function track(t: ScopedTensor): void {
  const s = owner(current.getStore());
  if (s !== undefined) s.tensors.push(t);
}

/** Exempts a tensor from every scope: it lives until dispose() (or, as a backstop, garbage collection). */
export function keep<T extends ScopedTensor>(t: T): T {
  if (t === null || typeof t !== 'object' || t[TENSOR] !== true) fail('torch.keep', 't', 'a tensor', t);
  kept.add(t);
  return t;
}

function collect(value: unknown, into: Set<ScopedTensor>, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value); // guards against cycles
  if ((value as ScopedTensor)[TENSOR] === true) {
    into.add(value as ScopedTensor);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, into, seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      collect(k, into, seen);
      collect(v, into, seen);
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) collect(v, into, seen);
  }
}

function end(scope: Scope, result: unknown): void {
  scope.ended = true;
  open--;
  const returned = new Set<ScopedTensor>();
  collect(result, returned);
  const parent = owner(scope.parent);
  for (const t of scope.tensors) {
    if (returned.has(t)) {
      if (parent !== undefined) parent.tensors.push(t);
    } else if (!kept.has(t)) {
      t.dispose();
    }
  }
  scope.tensors.length = 0;
}

function isPromise(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs fn in a memory scope. Tensors created inside and not returned are disposed when it ends; tensors in
 * the return value (a tensor, or arrays, Maps, Sets and plain objects holding tensors, at any depth) move to
 * the scope that was current when tidy was called.
 *
 * Async functions: the scope stays open until the promise settles, and owns every tensor created in its
 * async context meanwhile (by fn and everything it calls and awaits), not those of other code that runs
 * during its awaits; concurrent async scopes are independent.
 */
export function tidy<T>(fn: () => T): T {
  checkFunction('torch.tidy', 'fn', fn);
  const scope: Scope = { tensors: [], parent: current.getStore(), ended: false };
  open++;
  let result: T;
  try {
    result = current.run(scope, fn);
  } catch (e) {
    end(scope, undefined);
    throw e;
  }
  if (isPromise(result)) {
    return Promise.resolve(result).then(
      (v) => {
        end(scope, v);
        return v;
      },
      (e) => {
        end(scope, undefined);
        throw e;
      },
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

/** How many tidy scopes are open, in every async context together (0 once every scope has ended). */
export function scopeDepth(): number {
  return open;
}

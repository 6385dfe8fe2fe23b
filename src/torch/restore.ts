// The shape of every `with ...:` block Flint mirrors (no_grad, autocast, a loss's reduction): run fn, then put the
// state back, also when fn throws; an async fn keeps the state until its promise settles.
export function runThenRestore<T>(fn: () => T, restore: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

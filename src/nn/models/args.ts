// Checks of architecture arguments (they may come from JSON or a command line): a clear error, not a bad model.
import type { Module } from '../module.js';
import { fail, nameError, checkOptions } from '../check.js';

/** The default for an absent argument (undefined; an explicit null is checked, and refused, like any value). */
export const or = <T>(v: unknown, fallback: T): unknown => (v === undefined ? fallback : v);

export function argInt(model: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(model, name, `an integer >= ${min}`, v);
  return v as number;
}

export function argInts(model: string, name: string, v: unknown, min = 1): number[] {
  if (!Array.isArray(v)) fail(model, name, `an array of integers >= ${min}`, v);
  return (v as unknown[]).map((x, i) => argInt(model, `${name}[${i}]`, x, min));
}

export function argProb(model: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(model, name, 'a probability in [0, 1)', v);
  return v as number;
}

/** The arguments object of a factory: a plain object with only the known keys. */
export function argObject<T extends object>(model: string, a: T | undefined, known: readonly string[]): T {
  return checkOptions(model, a, known, 'args');
}

/** Builds a model from layers made by `body`; when one fails (a size too large for memory), the layers already
 * made are freed and the error names the model. */
export function assemble<T>(model: string, body: (keep: <M extends Module>(m: M) => M) => T): T {
  const made: Module[] = [];
  try {
    return body((m) => {
      made.push(m);
      return m;
    });
  } catch (e) {
    for (const m of made) m.dispose();
    throw nameError(model, e);
  }
}

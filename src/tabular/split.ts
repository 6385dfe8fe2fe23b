// Which rows validate: given indices (fastai's IndexSplitter), a boolean column (ColSplitter), or a seeded random
// share (RandomSplitter: the first floor(validPct * n) of a permutation), optionally stratified by the target
// (each class split in the same proportion).
import * as torch from '../torch/index.js';
import { checkArray, checkInt, fail } from '../torch/validate.js';
import type { Column } from './columns.js';

export interface Split {
  train: number[];
  valid: number[];
}

/** fastai's IndexSplitter: the given rows validate (in the given order), the others train (in table order). */
export function splitByIndex(fn: string, arg: string, idx: unknown, nRows: number): Split {
  const valid = checkArray<number>(fn, arg, idx, 'an array of row indices').map((v, i) =>
    checkInt(fn, `${arg}[${i}]`, v, { min: 0, max: nRows - 1 }),
  );
  const isValid = new Uint8Array(nRows);
  valid.forEach((r, i) => {
    if (isValid[r]) fail(fn, `${arg}[${i}]`, 'each row once', r);
    isValid[r] = 1;
  });
  return { train: rowsWhere(isValid, 0), valid };
}

function rowsWhere(flags: Uint8Array, value: number): number[] {
  const out: number[] = [];
  flags.forEach((f, i) => {
    if (f === value) out.push(i);
  });
  return out;
}

/** fastai's ColSplitter: rows whose column is true (or 1) validate. */
export function splitByColumn(fn: string, col: Column, place: (r: number) => string): Split {
  const flags = Uint8Array.from(col.values, (v, r) => {
    if (v === 'True' || v === 1) return 1;
    if (v === 'False' || v === 0) return 0;
    throw new torch.FlintError(`${fn}: the validation column '${col.name}' holds ${JSON.stringify(v)} at ${place(r)}; expected true/false or 1/0`);
  });
  return { train: rowsWhere(flags, 0), valid: rowsWhere(flags, 1) };
}

/** fastai's RandomSplitter: a seeded permutation, its first floor(validPct * n) rows validate; with `strata` (a class
 * per row), each class's rows are split so (rounding each class's share). */
export function splitRandom(validPct: number, seed: number, nRows: number, strata: (string | null)[] | null): Split {
  const perm = torch.tidy(() => Array.from(torch.randpermSeeded(nRows, seed).toTypedArray() as BigInt64Array, Number));
  if (strata === null) {
    const cut = Math.floor(validPct * nRows);
    return { train: perm.slice(cut), valid: perm.slice(0, cut) };
  }
  // the permutation's order within each class, so the choice is as random as the plain split's
  const byClass = new Map<string | null, number[]>();
  for (const r of perm) {
    const k = strata[r]!;
    const list = byClass.get(k);
    if (list) list.push(r);
    else byClass.set(k, [r]);
  }
  const train: number[] = [];
  const valid: number[] = [];
  for (const rows of byClass.values()) {
    const cut = Math.round(validPct * rows.length);
    valid.push(...rows.slice(0, cut));
    train.push(...rows.slice(cut));
  }
  return { train, valid };
}

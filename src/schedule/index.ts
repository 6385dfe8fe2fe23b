// fastai's annealing schedules: each returns a function of pos in [0, 1]. A start or end may be a list (one
// value per parameter group, for discriminative learning rates); the schedule is then applied elementwise.
// Arguments are checked when a schedule is made, and the position at each call, naming the maker.
import { checkArray, checkFunction, checkNumber, fail } from '../torch/validate.js';

export type Value = number | readonly number[];
export type Schedule = (pos: number) => Value;

function checkPos(fn: string, pos: unknown): number {
  if (typeof pos !== 'number' || !(pos >= 0 && pos <= 1)) fail(fn, 'pos', 'a position in [0, 1]', pos);
  return pos as number;
}
/** A finite number, or a non-empty list of them (one per parameter group). */
function checkValue(fn: string, arg: string, v: unknown): Value {
  if (typeof v === 'number') return checkNumber(fn, arg, v);
  const a = checkArray(fn, arg, v, 'a finite number or an array of them');
  if (a.length === 0) fail(fn, arg, 'a finite number or a non-empty array of them', v);
  a.forEach((x, i) => checkNumber(fn, `${arg}[${i}]`, x));
  return [...a] as number[];
}
/** start and end, checked: lists must have equal lengths. */
function checkEnds(fn: string, start: unknown, end: unknown): [Value, Value] {
  const s = checkValue(fn, 'start', start);
  const e = checkValue(fn, 'end', end);
  if (typeof s !== 'number' && typeof e !== 'number' && s.length !== e.length) {
    fail(fn, 'end', `${s.length} values like start`, e);
  }
  return [s, e];
}
/** Applies f to scalars, or elementwise to lists of equal length. */
function elementwise(start: Value, end: Value, f: (s: number, e: number) => number): Value {
  if (typeof start === 'number' && typeof end === 'number') return f(start, end);
  const n = typeof start === 'number' ? (end as readonly number[]).length : start.length;
  const at = (v: Value, i: number): number => (typeof v === 'number' ? v : v[i]!);
  return Array.from({ length: n }, (_, i) => f(at(start, i), at(end, i)));
}

/** Linear from start to end. */
export const SchedLin = (start: Value, end: Value): Schedule => {
  const fn = 'schedule.SchedLin';
  const [s0, e0] = checkEnds(fn, start, end);
  return (pos) => {
    const p = checkPos(fn, pos);
    return elementwise(s0, e0, (s, e) => s + p * (e - s));
  };
};
/** Cosine from start to end (half a period). */
export const SchedCos = (start: Value, end: Value): Schedule => {
  const fn = 'schedule.SchedCos';
  const [s0, e0] = checkEnds(fn, start, end);
  return (pos) => {
    const p = checkPos(fn, pos);
    return elementwise(s0, e0, (s, e) => s + ((1 + Math.cos(Math.PI * (1 - p))) * (e - s)) / 2);
  };
};
/** Constant start. */
export const SchedNo = (start: Value, end: Value = start): Schedule => {
  const fn = 'schedule.SchedNo';
  const [s0] = checkEnds(fn, start, end);
  return (pos) => {
    checkPos(fn, pos);
    return s0;
  };
};
/** Exponential from start to end (both non-zero, of one sign: the curve is start * (end / start)^pos). */
export const SchedExp = (start: Value, end: Value): Schedule => {
  const fn = 'schedule.SchedExp';
  const [s0, e0] = checkEnds(fn, start, end);
  // checked pairwise: a zero or a sign change has no exponential between them
  elementwise(s0, e0, (s, e) => {
    if (s === 0 || e === 0 || Math.sign(s) !== Math.sign(e)) fail(fn, 'end', `a value of start's sign, both non-zero (start ${s})`, e);
    return 0;
  });
  return (pos) => {
    const p = checkPos(fn, pos);
    return elementwise(s0, e0, (s, e) => s * (e / s) ** p);
  };
};
/** Polynomial from start to end: start + (end - start) pos^power. */
export const SchedPoly = (start: Value, end: Value, power: number): Schedule => {
  const fn = 'schedule.SchedPoly';
  const [s0, e0] = checkEnds(fn, start, end);
  // a negative power is infinite at pos 0
  checkNumber(fn, 'power', power, { min: 0 });
  return (pos) => {
    const p = checkPos(fn, pos);
    return elementwise(s0, e0, (s, e) => s + (e - s) * p ** power);
  };
};

function combine(fn: string, pcts: unknown, scheds: unknown): Schedule {
  const shares = checkArray<number>(fn, 'pcts', pcts);
  const list = checkArray<Schedule>(fn, 'scheds', scheds);
  if (shares.length === 0) fail(fn, 'pcts', 'at least one share', pcts);
  if (shares.length !== list.length) fail(fn, 'scheds', `${shares.length} schedules, one per share in pcts`, scheds);
  shares.forEach((p, i) => checkNumber(fn, `pcts[${i}]`, p, { min: 0, max: 1 }));
  list.forEach((s, i) => checkFunction(fn, `scheds[${i}]`, s));
  const total = shares.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) fail(fn, 'pcts', `shares that sum to 1 (these sum to ${total})`, pcts);
  const bounds = [0];
  for (const p of shares) bounds.push(bounds[bounds.length - 1]! + p);
  const lim = bounds.length - 2;
  return (pos) => {
    checkPos(fn, pos);
    let idx = 0;
    for (let i = 0; i < bounds.length; i++) if (pos >= bounds[i]!) idx = i;
    idx = Math.min(idx, lim);
    // a share of 0 has no width: its schedule is at its end
    const width = bounds[idx + 1]! - bounds[idx]!;
    const actual = width > 0 ? (pos - bounds[idx]!) / width : 1;
    return list[idx]!(Math.min(Math.max(actual, 0), 1));
  };
}

/** Runs scheds[i] over the i-th share of [0, 1] given by pcts (which sum to 1). */
export function combineScheds(pcts: readonly number[], scheds: readonly Schedule[]): Schedule {
  return combine('schedule.combineScheds', pcts, scheds);
}

/** Cosine from start to middle over the first pct, then from middle to end (one-cycle's shape). */
export const combinedCos = (pct: number, start: Value, middle: Value, end: Value): Schedule => {
  const fn = 'schedule.combinedCos';
  checkNumber(fn, 'pct', pct, { min: 0, max: 1 });
  checkEnds(fn, start, middle);
  const [m, e] = checkEnds(fn, middle, end);
  return combine(fn, [pct, 1 - pct], [SchedCos(start, m), SchedCos(m, e)]);
};

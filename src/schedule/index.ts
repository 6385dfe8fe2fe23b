// fastai's annealing schedules: each returns a function of pos in [0, 1]. A start or end may be a list (one
// value per parameter group, for discriminative learning rates); the schedule is then applied elementwise.
export type Value = number | readonly number[];
export type Schedule = (pos: number) => Value;

function checkPos(pos: number): void {
  if (!(pos >= 0 && pos <= 1)) throw new RangeError(`a schedule position must be in [0, 1], got ${pos}`);
}
/** Applies f to scalars, or elementwise to lists of equal length. */
function elementwise(start: Value, end: Value, f: (s: number, e: number) => number): Value {
  if (typeof start === 'number' && typeof end === 'number') return f(start, end);
  const n = typeof start === 'number' ? (end as readonly number[]).length : start.length;
  const at = (v: Value, i: number): number => (typeof v === 'number' ? v : v[i]!);
  if (typeof start !== 'number' && typeof end !== 'number' && start.length !== end.length) {
    throw new RangeError(`schedule start and end have ${start.length} and ${end.length} values`);
  }
  return Array.from({ length: n }, (_, i) => f(at(start, i), at(end, i)));
}

/** Linear from start to end. */
export const SchedLin = (start: Value, end: Value): Schedule => (pos) => { checkPos(pos); return elementwise(start, end, (s, e) => s + pos * (e - s)); };
/** Cosine from start to end (half a period). */
export const SchedCos = (start: Value, end: Value): Schedule => (pos) => {
  checkPos(pos);
  return elementwise(start, end, (s, e) => s + ((1 + Math.cos(Math.PI * (1 - pos))) * (e - s)) / 2);
};
/** Constant start. */
export const SchedNo = (start: Value, _end: Value = start): Schedule => (pos) => { checkPos(pos); return start; };
/** Exponential from start to end. */
export const SchedExp = (start: Value, end: Value): Schedule => (pos) => { checkPos(pos); return elementwise(start, end, (s, e) => s * (e / s) ** pos); };
/** Polynomial from start to end: start + (end - start) pos^power. */
export const SchedPoly = (start: Value, end: Value, power: number): Schedule => (pos) => {
  checkPos(pos);
  return elementwise(start, end, (s, e) => s + (e - s) * pos ** power);
};

/** Runs scheds[i] over the i-th share of [0, 1] given by pcts (which sum to 1). */
export function combineScheds(pcts: readonly number[], scheds: readonly Schedule[]): Schedule {
  if (pcts.length !== scheds.length) throw new RangeError(`combineScheds: ${pcts.length} shares for ${scheds.length} schedules`);
  if (pcts.some((p) => !(p >= 0))) throw new RangeError('combineScheds: shares must be non-negative');
  if (Math.abs(pcts.reduce((a, b) => a + b, 0) - 1) > 1e-9) throw new RangeError('combineScheds: shares must sum to 1');
  const bounds = [0];
  for (const p of pcts) bounds.push(bounds[bounds.length - 1]! + p);
  const lim = bounds.length - 2;
  return (pos) => {
    checkPos(pos);
    let idx = 0;
    for (let i = 0; i < bounds.length; i++) if (pos >= bounds[i]!) idx = i;
    idx = Math.min(idx, lim);
    const actual = (pos - bounds[idx]!) / (bounds[idx + 1]! - bounds[idx]!);
    return scheds[idx]!(Math.min(Math.max(actual, 0), 1));
  };
}

/** Cosine from start to middle over the first pct, then from middle to end (one-cycle's shape). */
export const combinedCos = (pct: number, start: Value, middle: Value, end: Value): Schedule =>
  combineScheds([pct, 1 - pct], [SchedCos(start, middle), SchedCos(middle, end)]);

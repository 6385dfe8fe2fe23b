// Python's reprs of numbers, booleans and tuples, so module printouts read exactly like PyTorch's.
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** An int, or a tuple of ints: 3, (3,), (3, 3). */
export const pyTuple = (v: number | readonly number[]): string =>
  typeof v === 'number' ? String(v) : v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;

/** Python's float repr: 0.1, 1.0, 1e-05, 1e+16 (shortest round-trip digits; scientific below 1e-4 and from 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** A Python string repr with single quotes. */
export const pyStr = (s: string): string => `'${s}'`;

// Tensor printing, following PyTorch's torch/_tensor_str.py (default print options: precision 4,
// threshold 1000, edgeitems 3, linewidth 80), so a tensor prints the same in Flint and in Python.
import type { DType } from './dtype.js';
import { isFloating } from './dtype.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

/** What the printer needs from a tensor (Tensor satisfies it; no import cycle). */
export interface Printable {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
  readonly requiresGrad: boolean;
  readonly gradFn: string | null;
  numel(): number;
  toTypedArray(): ArrayLike<number | bigint>;
  /** The values at the edges (the first and last `edge` along each longer dim), row-major: what a summarized
   * print shows, read without copying the whole tensor to the host. */
  _edges?(edge: number): ArrayLike<number | bigint>;
}

// Python's '{:.4e}' writes at least two exponent digits.
function sci(v: number): string {
  if (!Number.isFinite(v)) return pyNonFinite(v);
  return v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
}
function pyNonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}
function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : pyNonFinite(v);
}

class Formatter {
  floating: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;
  isBool: boolean;

  constructor(values: ArrayLike<number | bigint>, dtype: DType) {
    this.floating = isFloating(dtype);
    this.isBool = dtype === 'bool';
    if (!this.floating) {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, this.plain(values[i]!).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = Number(values[i]);
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs);
    const max = Math.max(...abs);
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, sci(v).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, fixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, sci(v).length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, fixed(v, PRECISION).length);
    }
  }

  private plain(v: number | bigint): string {
    if (this.isBool) return Number(v) !== 0 ? 'True' : 'False';
    return String(v);
  }

  format(raw: number | bigint): string {
    let s: string;
    if (this.floating) {
      const v = Number(raw);
      if (this.sciMode) s = sci(v);
      else if (this.intMode) s = fixed(v, 0) + (Number.isFinite(v) ? '.' : '');
      else s = fixed(v, PRECISION);
    } else {
      s = this.plain(raw);
    }
    return s.padStart(this.maxWidth, ' ');
  }
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1]! * shape[d + 1]!;
  return st;
}

/** Indices kept along one dim: all, or the first and last EDGE with a gap marker (-1). */
function kept(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

function summarizedValues(values: ArrayLike<number | bigint>, shape: readonly number[], summarize: boolean): (number | bigint)[] {
  const st = stridesOf(shape);
  const out: (number | bigint)[] = [];
  const walk = (d: number, off: number): void => {
    if (d === shape.length) {
      out.push(values[off]!);
      return;
    }
    for (const i of kept(shape[d]!, summarize)) if (i >= 0) walk(d + 1, off + i * st[d]!);
  };
  walk(0, 0);
  return out;
}

/**
 * The text of the values. When summarizing, `values` holds only the edges (summarizedValues' layout: each dim
 * longer than 2 * EDGE cut to its first and last EDGE entries); otherwise every value, row-major.
 */
function body(values: ArrayLike<number | bigint>, shape: readonly number[], summarize: boolean, f: Formatter, indent: number): string {
  const held = shape.map((n) => (summarize && n > 2 * EDGE ? 2 * EDGE : n));
  const st = stridesOf(held);
  // index i of dim d (in the full shape) to its place in `values`
  const at = (d: number, i: number): number => (held[d] !== shape[d] && i >= EDGE ? i - (shape[d]! - 2 * EDGE) : i);
  const rec = (d: number, off: number, ind: number): string => {
    const dims = shape.length - d;
    if (dims === 0) return f.format(values[off]!);
    const idx = kept(shape[d]!, summarize);
    if (dims === 1) {
      const perLine = Math.max(1, Math.floor((LINEWIDTH - ind) / (f.maxWidth + 2)));
      const data = idx.map((i) => (i < 0 ? ' ...' : f.format(values[off + at(d, i) * st[d]!]!)));
      const lines: string[] = [];
      for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
    }
    const slices = idx.map((i) => (i < 0 ? '...' : rec(d + 1, off + at(d, i) * st[d]!, ind + 1)));
    return `[${slices.join(`,${'\n'.repeat(dims - 1)}${' '.repeat(ind + 1)}`)}]`;
  };
  return rec(0, 0, indent);
}

function addSuffixes(text: string, suffixes: string[], indent: number): string {
  const parts = [text];
  let last = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > LINEWIDTH) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      last = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      last += s.length + 2;
    }
  }
  return `${parts.join('')})`;
}

export function formatTensor(t: Printable): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  const defaultDtype = t.dtype === 'float32' || t.dtype === 'int64' || t.dtype === 'bool';
  let text: string;
  if (t.numel() === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=torch.${t.dtype}`);
    text = '[]';
  } else {
    if (!defaultDtype) suffixes.push(`dtype=torch.${t.dtype}`);
    const summarize = t.numel() > THRESHOLD;
    const values = !summarize ? t.toTypedArray() : t._edges ? t._edges(EDGE) : summarizedValues(t.toTypedArray(), t.shape, true);
    const f = new Formatter(values, t.dtype);
    text = body(values, t.shape, summarize, f, indent);
  }
  const gradFn = t.gradFn;
  if (gradFn !== null) suffixes.push(`grad_fn=<${gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + text, suffixes, indent);
}

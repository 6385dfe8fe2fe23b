// Tabular results as fastai shows them: each row's features decoded (category names, continuous values
// un-normalized), its target and the prediction, as an aligned text table.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { TabularDataLoaders } from './data.js';
import { Categorify, Normalize } from './procs.js';

/** A number as a table shows it: six significant digits, no trailing zeros. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Text rows aligned in columns (a header, then the rows). */
export function alignedTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => c.padEnd(widths[j]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The decoded target (or prediction) of each row: class names, label lists or values. */
function decodeTargets(dls: TabularDataLoaders, y: Tensor, n: number): string[] {
  const vocab = dls.vocab;
  if (dls.yBlock === 'category') {
    const codes = y.reshape([-1]).long().toTypedArray() as BigInt64Array;
    return Array.from(codes, (c) => vocab![Number(c)] ?? String(c));
  }
  const k = dls.yNames.length;
  const v = y.reshape([n, -1]).double().toTypedArray() as Float64Array;
  if (dls.yBlock === 'multiCategory') {
    return Array.from({ length: n }, (_, i) => vocab!.filter((_, j) => v[i * k + j]! > 0.5).join(';'));
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, j) => formatValue(v[i * k + j]!)).join(';'));
}

export function resultsTable(dls: TabularDataLoaders, inputs: Tensor[], targets: Tensor[], decoded: Tensor): string {
  return torch.tidy(() => {
    const xCat = inputs[0]!;
    const n = xCat.shape[0]!;
    const classes = dls.procs.find((p): p is Categorify => p instanceof Categorify)?.classes ?? {};
    const norm = dls.procs.find((p): p is Normalize => p instanceof Normalize);
    const codes = xCat.long().contiguous().toTypedArray() as BigInt64Array;
    const nCat = dls.catNames.length;
    const nCont = dls.withCont ? dls.contNames.length : 0;
    const conts = nCont > 0 ? (inputs[1]!.double().contiguous().toTypedArray() as Float64Array) : new Float64Array(0);
    const yName = dls.yNames.join(';');
    const actual = targets[0] ? decodeTargets(dls, targets[0], n) : null;
    const predicted = decodeTargets(dls, decoded, n);
    const header = [...dls.catNames, ...(dls.withCont ? dls.contNames : []), ...(actual ? [yName] : []), `${yName}_pred`];
    const rows = Array.from({ length: n }, (_, i) => {
      const cats = dls.catNames.map((c, j) => {
        const code = Number(codes[i * nCat + j]);
        return Object.hasOwn(classes, c) ? (classes[c]![code] ?? String(code)) : String(code);
      });
      const cont = (dls.withCont ? dls.contNames : []).map((c, j) => {
        const x = conts[i * nCont + j]!;
        const m = norm && Object.hasOwn(norm.means, c) ? norm.means[c]! : 0;
        const s = norm && Object.hasOwn(norm.stds, c) ? norm.stds[c]! : 1;
        return formatValue(x * s + m);
      });
      return [...cats, ...cont, ...(actual ? [actual[i]!] : []), predicted[i]!];
    });
    return alignedTable(header, rows);
  });
}

// The confusion matrix as fastai plots it: actual classes down, predicted across, counts (or row shares) written
// in cells shaded by value.
import { checkArray, checkBool, checkOptions, checkString, fail } from '../torch/validate.js';
import { escapeXml } from './svg.js';

/** SVG of a confusion matrix cm[actual][predicted] with class labels; `normalize` shows each row's shares. */
export function confusionMatrixSvg(cm: number[][], labels: string[], options: { normalize?: boolean; title?: string } = {}): string {
  const fn = 'plot.confusionMatrixSvg';
  const rows = checkArray<number[]>(fn, 'cm', cm, 'a square array of counts');
  const names = checkArray<string>(fn, 'labels', labels, 'an array of class names');
  if (rows.length === 0 || rows.length !== names.length) fail(fn, 'labels', `${rows.length} class names, one per row of cm`, labels);
  rows.forEach((r, i) => {
    const row = checkArray<number>(fn, `cm[${i}]`, r, 'an array of counts');
    if (row.length !== rows.length || row.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      fail(fn, `cm[${i}]`, `${rows.length} non-negative counts`, r);
    }
  });
  names.forEach((n, i) => checkString(fn, `labels[${i}]`, n));
  const o = checkOptions(fn, options, ['normalize', 'title'], 'options');
  const normalize = o.normalize === undefined ? false : checkBool(fn, 'options.normalize', o.normalize);
  const title = o.title === undefined ? 'Confusion matrix' : checkString(fn, 'options.title', o.title);
  const values = rows.map((r) => {
    const sum = r.reduce((a, b) => a + b, 0);
    return normalize ? r.map((v) => (sum > 0 ? v / sum : 0)) : r;
  });
  const max = Math.max(1e-12, ...values.flat());
  const n = rows.length;
  const cell = Math.max(24, Math.min(64, Math.floor(560 / n)));
  const left = 20 + 7 * Math.max(...names.map((s) => s.length));
  const top = 40;
  const parts: string[] = [
    `<text x="${left + (n * cell) / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">${escapeXml(title)}</text>`,
  ];
  values.forEach((r, i) =>
    r.forEach((v, j) => {
      const t = v / max;
      // white to blue, as matplotlib's Blues; dark cells get white text
      const shade = `rgb(${Math.round(247 - 239 * t)},${Math.round(251 - 203 * t)},${Math.round(255 - 148 * t)})`;
      const text = normalize ? v.toFixed(2) : String(v);
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${shade}" stroke="#ccc"/>` +
          `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" font-family="sans-serif" ` +
          `font-size="${Math.min(12, cell / 3)}" fill="${t > 0.5 ? 'white' : 'black'}">${text}</text>`,
      );
    }),
  );
  names.forEach((name, i) => {
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-family="sans-serif" font-size="12">${escapeXml(name)}</text>`,
    );
    const x = left + i * cell + cell / 2;
    const y = top + n * cell + 10;
    parts.push(`<text x="${x}" y="${y}" transform="rotate(45 ${x} ${y})" font-family="sans-serif" font-size="12">${escapeXml(name)}</text>`);
  });
  const lx = left + (n * cell) / 2;
  const bottom = top + n * cell + 20 + 7 * Math.max(...names.map((s) => s.length));
  parts.push(`<text x="${lx}" y="${bottom}" text-anchor="middle" font-family="sans-serif" font-size="13">Predicted</text>`);
  parts.push(
    `<text x="14" y="${top + (n * cell) / 2}" transform="rotate(-90 14 ${top + (n * cell) / 2})" text-anchor="middle" font-family="sans-serif" font-size="13">Actual</text>`,
  );
  return (
    `<svg width="${left + n * cell + 60}" height="${bottom + 16}" xmlns="http://www.w3.org/2000/svg" version="1.1">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`
  );
}

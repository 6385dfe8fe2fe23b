// Pictures of activations: a heatmap (fastai's "colorful dimension" is one, drawn with matplotlib's imshow and
// origin='lower') and charts placed side by side in one SVG.
import { checkArray, checkInt, checkNumber, checkOptions, checkString, fail } from '../torch/validate.js';
import { escapeXml } from './svg.js';

// matplotlib's viridis at 9 stops (its default colour map), interpolated linearly
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function viridis(u: number): string {
  const x = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i]!.map((a, k) => Math.round(a + (VIRIDIS[i + 1]![k]! - a) * f));
  return `rgb(${c.join(',')})`;
}

export interface HeatmapOptions {
  /** The picture's size in pixels (default 600 x 300), the cells stretched to fill it (matplotlib's aspect='auto'). */
  width?: number;
  height?: number;
  title?: string;
}

/**
 * An SVG heatmap of `rows` (rows[r][c]), row 0 at the bottom (matplotlib's origin='lower'), coloured with viridis
 * from the smallest value to the largest; non-finite values are left blank.
 */
export function heatmapSvg(rows: number[][], options: HeatmapOptions = {}): string {
  const fn = 'plot.heatmapSvg';
  const o = checkOptions(fn, options, ['width', 'height', 'title']);
  const w = o.width === undefined ? 600 : checkInt(fn, 'options.width', o.width, { min: 10, max: 10_000 });
  const h = o.height === undefined ? 300 : checkInt(fn, 'options.height', o.height, { min: 10, max: 10_000 - 24 });
  if (o.title !== undefined) checkString(fn, 'options.title', o.title);
  const list = checkArray<unknown>(fn, 'rows', rows, 'an array of rows of numbers');
  if (list.length === 0) fail(fn, 'rows', 'at least one row of numbers', rows);
  let width = -1;
  list.forEach((r, i) => {
    const row = checkArray<unknown>(fn, `rows[${i}]`, r, 'an array of numbers');
    if (width < 0) width = row.length;
    if (row.length !== width || width === 0) fail(fn, `rows[${i}]`, `a row of ${width || 'at least 1'} numbers, as rows[0]`, r);
    row.forEach((v, k) => {
      if (typeof v !== 'number') checkNumber(fn, `rows[${i}][${k}]`, v);
    });
  });
  const values = (list as number[][]).flat().filter(Number.isFinite);
  const lo = values.length ? Math.min(...values) : 0;
  const span = values.length ? Math.max(...values) - lo : 0;
  const top = o.title ? 24 : 0;
  const cw = w / width;
  const ch = h / list.length;
  const px = (v: number): string => String(Math.round(v * 100) / 100);
  const rects: string[] = [];
  (list as number[][]).forEach((row, r) =>
    row.forEach((v, c) => {
      if (!Number.isFinite(v)) return;
      const y = top + (list.length - 1 - r) * ch;
      // a quarter pixel of overlap: no seams between cells where their edges fall between pixels
      rects.push(
        `<rect x="${px(c * cw)}" y="${px(y)}" width="${px(cw + 0.25)}" height="${px(ch + 0.25)}" fill="${viridis(span > 0 ? (v - lo) / span : 0)}"/>`,
      );
    }),
  );
  const title = o.title ? `<text x="${w / 2}" y="17" text-anchor="middle" font-family="sans-serif" font-size="14">${escapeXml(o.title)}</text>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + top}" shape-rendering="crispEdges">` +
    `<rect width="100%" height="100%" fill="white"/>${title}${rects.join('')}</svg>`
  );
}

/** SVGs placed side by side in one SVG, each `width` x `height` (their ids made distinct). */
export function sideBySideSvg(svgs: string[], width: number, height: number): string {
  const inner = svgs
    .map(
      (s, i) =>
        `<g transform="translate(${width * i},0)">${s
          .replace(/^<svg[^>]*>/, '')
          .replace(/<\/svg>\s*$/, '')
          .replace(/flint-/g, `flint-p${i}-`)}</g>`,
    )
    .join('');
  return (
    `<svg width="${width * svgs.length}" height="${height}" xmlns="http://www.w3.org/2000/svg" ` +
    `xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1">${inner}</svg>`
  );
}

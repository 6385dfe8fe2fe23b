// Line charts to SVG (Apache ECharts' server-side renderer) and PNG (resvg), written atomically.
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../torch/files.js';
import { FlintError } from '../torch/errors.js';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions, checkString, describe, fail } from '../torch/validate.js';

const require = createRequire(import.meta.url);

export interface Series {
  name: string;
  points: [number, number][];
  /** Draw the points as markers (for sparse series such as per-epoch validation losses). */
  markers?: boolean;
}

export interface ChartOptions {
  xName?: string;
  yName?: string;
  title?: string;
  width?: number;
  height?: number;
  logX?: boolean;
}

/** The largest chart side in pixels (a PNG of 10,000 x 10,000 is 400 MB). */
const MAX_SIDE = 10_000;

function checkSeries(fn: string, series: unknown, logX: boolean): Series[] {
  const list = checkArray<Series>(fn, 'series', series, 'an array of series { name, points }');
  list.forEach((s, i) => {
    const at = `series[${i}]`;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(fn, at, 'a series { name, points, markers? }', s);
    checkOptions(fn, s, ['name', 'points', 'markers'], at);
    checkString(fn, `${at}.name`, s.name);
    if (s.markers !== undefined) checkBool(fn, `${at}.markers`, s.markers);
    checkArray(fn, `${at}.points`, s.points, 'an array of [x, y] points').forEach((p, k) => {
      if (!Array.isArray(p) || p.length !== 2) fail(fn, `${at}.points[${k}]`, 'an [x, y] pair of numbers', p);
      // a log axis has no place for x <= 0
      checkNumber(fn, `${at}.points[${k}][0]`, p[0], logX ? { gt: 0 } : {});
      // a non-finite y (a diverged loss) is drawn as a gap
      if (typeof p[1] !== 'number') fail(fn, `${at}.points[${k}][1]`, 'a number', p[1]);
    });
  });
  return list;
}

/** An SVG line chart of the series. */
export function lineChartSvg(series: Series[], options: ChartOptions = {}): string {
  const fn = 'plot.lineChartSvg';
  const o = checkOptions(fn, options, ['xName', 'yName', 'title', 'width', 'height', 'logX']);
  for (const k of ['xName', 'yName', 'title'] as const) if (o[k] !== undefined) checkString(fn, `options.${k}`, o[k]);
  for (const k of ['width', 'height'] as const) if (o[k] !== undefined) checkInt(fn, `options.${k}`, o[k], { min: 50, max: MAX_SIDE });
  if (o.logX !== undefined) checkBool(fn, 'options.logX', o.logX);
  checkSeries(fn, series, o.logX ?? false);
  // echarts is loaded lazily: only plotting needs it
  const echarts = require('echarts') as typeof import('echarts');
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: o.width ?? 720, height: o.height ?? 420 });
  try {
    chart.setOption({
      animation: false,
      title: o.title ? { text: o.title, left: 'center', textStyle: { fontSize: 14 } } : undefined,
      grid: { left: 70, right: 90, top: o.title ? 50 : 30, bottom: 70 },
      legend: { bottom: 5, data: series.map((s) => s.name) },
      xAxis: {
        type: o.logX ? 'log' : 'value',
        name: o.xName,
        nameLocation: 'middle',
        nameGap: 28,
        scale: true,
        // powers of ten as 1e-7 rather than 0.00000010000000000000001
        ...(o.logX ? { axisLabel: { formatter: (v: number) => v.toExponential(0) } } : {}),
      },
      yAxis: { type: 'value', name: o.yName, scale: true },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        data: s.points.map(([x, y]) => [x, Number.isFinite(y) ? y : '-']),
        showSymbol: s.markers ?? false,
        symbolSize: 7,
      })),
    });
    // echarts names its style classes and clip paths from global counters (zr3-cls-7, zr3-c0); renumbered,
    // the same data gives the same file
    const ids = new Map<string, string>();
    return chart.renderToSVGString().replace(/zr\d+-([a-z]+)-?\d+/g, (id, kind: string) => {
      if (!ids.has(id)) ids.set(id, `flint-${kind}-${ids.size}`);
      return ids.get(id)!;
    });
  } finally {
    chart.dispose(); // its render loop would otherwise keep the process alive
  }
}

function png(fn: string, svg: unknown): Buffer {
  checkString(fn, 'svg', svg);
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  let r: InstanceType<typeof Resvg>;
  try {
    r = new Resvg(svg as string, { font: { loadSystemFonts: true }, background: 'white' });
  } catch (e) {
    throw new FlintError(`${fn}: not a valid SVG (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
  }
  // the size is the SVG's own: refuse one whose pixels would not fit in memory before rendering it
  if (!(r.width <= MAX_SIDE && r.height <= MAX_SIDE)) {
    throw new FlintError(`${fn}: the SVG is ${r.width} x ${r.height} pixels; at most ${MAX_SIDE} x ${MAX_SIDE} can be rendered`);
  }
  try {
    return r.render().asPng();
  } catch (e) {
    throw new FlintError(`${fn}: rendering failed (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
  }
}

/** PNG bytes of an SVG. */
export function svgToPng(svg: string): Buffer {
  return png('plot.svgToPng', svg);
}

/** Writes `<file>.svg` and `<file>.png` (file given with or without the .svg extension); returns both paths. */
export function writeChart(svg: string, file: string): { svg: string; png: string } {
  const fn = 'plot.writeChart';
  checkString(fn, 'svg', svg);
  if (typeof file !== 'string' || file === '' || file.includes('\0')) fail(fn, 'file', 'a file path (a non-empty string)', file);
  const base = file.replace(/\.(svg|png)$/i, '');
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  // rendered first: an SVG that cannot be rendered leaves no file behind
  const bytes = png(fn, svg);
  writeFileAtomic(paths.svg, Buffer.from(svg), fn);
  writeFileAtomic(paths.png, bytes, fn);
  return paths;
}

// Line charts to SVG (Apache ECharts' server-side renderer) and PNG (resvg), written atomically.
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../torch/files.js';

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

/** An SVG line chart of the series. */
export function lineChartSvg(series: Series[], o: ChartOptions = {}): string {
  // echarts is loaded lazily: only plotting needs it
  const echarts = require('echarts') as typeof import('echarts');
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: o.width ?? 720, height: o.height ?? 420 });
  try {
    chart.setOption({
      animation: false,
      title: o.title ? { text: o.title, left: 'center', textStyle: { fontSize: 14 } } : undefined,
      grid: { left: 70, right: 90, top: o.title ? 50 : 30, bottom: 70 },
      legend: { bottom: 5, data: series.map((s) => s.name) },
      xAxis: { type: o.logX ? 'log' : 'value', name: o.xName, nameLocation: 'middle', nameGap: 28, scale: true,
        // powers of ten as 1e-7 rather than 0.00000010000000000000001
        ...(o.logX ? { axisLabel: { formatter: (v: number) => v.toExponential(0) } } : {}) },
      yAxis: { type: 'value', name: o.yName, scale: true },
      series: series.map((s) => ({ name: s.name, type: 'line', data: s.points, showSymbol: s.markers ?? false, symbolSize: 7 })),
    });
    // echarts names its style classes and clip paths from global counters (zr3-cls-7, zr3-c0); renumbered,
    // the same data gives the same file
    const ids = new Map<string, string>();
    return chart.renderToSVGString().replace(/zr\d+-([a-z]+)-?\d+/g, (id, kind: string) => {
      if (!ids.has(id)) ids.set(id, `flint-${kind}-${ids.size}`);
      return ids.get(id)!;
    });
  } finally {
    chart.dispose();  // its render loop would otherwise keep the process alive
  }
}

/** PNG bytes of an SVG. */
export function svgToPng(svg: string): Buffer {
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true }, background: 'white' }).render().asPng();
}

/** Writes `<file>.svg` and `<file>.png` (file given with or without the .svg extension); returns both paths. */
export function writeChart(svg: string, file: string): { svg: string; png: string } {
  const base = file.replace(/\.(svg|png)$/i, '');
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  writeFileAtomic(paths.svg, Buffer.from(svg));
  writeFileAtomic(paths.png, svgToPng(svg));
  return paths;
}

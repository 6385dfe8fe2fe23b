// The `plot` namespace: charts to SVG and PNG.
export { lineChartSvg, svgToPng, writeChart, type Series, type ChartOptions } from './chart.js';
export { heatmapSvg, type HeatmapOptions } from './activations.js';

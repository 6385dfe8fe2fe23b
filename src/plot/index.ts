// The `plot` namespace: charts to SVG and PNG.
export { lineChartSvg, svgToPng, writeChart, type Series, type ChartOptions } from './chart.js';
export { heatmapSvg, type HeatmapOptions } from './activations.js';
export { encodePng } from './png.js';
export { imageGridSvg, type GridCell } from './image-grid.js';
export { confusionMatrixSvg } from './confusion.js';

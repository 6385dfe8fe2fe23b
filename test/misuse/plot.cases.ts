// Misuse cases for the `plot` namespace: series and options of a chart, SVG rendering, chart files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { plot } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-plot-'));
// a plain file where a folder is expected: writes below it must fail, not hang or crash
const notADir = join(dir, 'file');
writeFileSync(notADir, 'x');
const inDir = (f: unknown): string => (typeof f === 'string' && f !== '' && !isAbsolute(f) ? join(dir, f) : (f as string));
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40"><rect width="60" height="40" fill="red"/></svg>';
const series = (): unknown[] => [
  {
    name: 'loss',
    points: [
      [1, 0.5],
      [2, 0.25],
      [3, NaN],
    ],
    markers: true,
  },
];
const TEXT: HostileName[] = ['zero', 'NaN', 'object', 'array', 'symbol', 'BigInt', 'function'];
const SIDE: HostileName[] = ['NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'string', 'BigInt', 'null'];

export const cases: Case[] = [
  {
    name: 'plot.lineChartSvg',
    args: () => [series(), { xName: 'x', yName: 'y', title: 't', width: 200, height: 120, logX: true }],
    call: (s, o) => plot.lineChartSvg(s as plot.Series[], o as plot.ChartOptions).length,
    mustReject: {
      0: ['null', 'undefined', 'string', 'object', 'array', 'zero'],
      1: ['string', 'array', 'zero', 'function', 'null'],
      '1.xName': TEXT,
      '1.yName': TEXT,
      '1.title': TEXT,
      '1.width': SIDE,
      '1.height': SIDE,
      '1.logX': ['zero', 'string', 'object', 'NaN', 'null'],
    },
  },
  // each field of a series poisoned
  {
    name: 'plot.lineChartSvg',
    args: () => [
      {
        name: 'loss',
        points: [
          [1, 0.5],
          [2, 0.25],
        ],
        markers: false,
      },
    ],
    call: (s) => plot.lineChartSvg([s as plot.Series], { logX: true }).length,
    mustReject: {
      0: ['null', 'undefined', 'string', 'array', 'zero', 'object'],
      '0.name': ['undefined', 'null', 'zero', 'object', 'array'],
      '0.points': ['null', 'undefined', 'string', 'array', 'object', 'zero'],
      '0.markers': ['zero', 'string', 'object', 'NaN', 'null'],
    },
  },
  {
    name: 'plot.lineChartSvg',
    args: () => [1, 0.5],
    call: (x, y) => plot.lineChartSvg([{ name: 'a', points: [[x as number, y as number]] }], { logX: true }).length,
    mustReject: {
      0: ['NaN', 'Infinity', 'negative', 'zero', 'string', 'null', 'undefined', 'BigInt'],
      1: ['string', 'null', 'undefined', 'BigInt', 'object'],
    },
  },
  {
    name: 'plot.svgToPng',
    args: () => [svg],
    call: (s) => plot.svgToPng(s as string).length,
    mustReject: { 0: ['null', 'undefined', 'zero', 'string', 'empty string', 'object', 'array'] },
  },
  {
    name: 'plot.svgToPng',
    args: () => ['1000000'],
    call: (w) => plot.svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${String(w)}" height="${String(w)}"></svg>`).length,
    mustReject: { 0: ['huge'] },
  },
  // a relative path (the hostile 'abc') is resolved in the temporary folder, not where the tests run
  {
    name: 'plot.writeChart',
    args: () => [svg, join(dir, 'chart.svg')],
    call: (s, f) => plot.writeChart(s as string, inDir(f)),
    mustReject: {
      0: ['null', 'undefined', 'zero', 'string', 'empty string', 'object'],
      1: ['null', 'undefined', 'zero', 'empty string', 'object', 'array'],
    },
  },
  {
    name: 'plot.writeChart',
    args: () => [join(notADir, 'sub', 'chart')],
    call: (f) => plot.writeChart(svg, f as string),
    mustReject: { 0: ['null', 'undefined', 'zero', 'empty string'] },
  },
];

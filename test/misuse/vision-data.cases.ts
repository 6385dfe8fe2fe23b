// Misuse cases for ImageDataLoaders' factories and getImageFiles, on a small folder of PNGs.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plot, vision } from '../../src/index.js';
import type { Case } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-imgs-'));
for (const cls of ['a', 'b']) {
  mkdirSync(join(dir, cls));
  for (let i = 0; i < 3; i++)
    writeFileSync(join(dir, cls, `${cls}_${i}.png`), plot.encodePng(new Uint8Array(4 * 4 * 3).fill(cls === 'a' ? 10 : 99), 4, 4, 3));
}
writeFileSync(join(dir, 'labels.csv'), 'name,label\na/a_0.png,a\nb/b_0.png,b\na/a_1.png,a\n');
const BAD_OPTS = ['string', 'symbol', 'array', 'function', 'NaN'] as const;

export const cases: Case[] = [
  {
    name: 'vision.getImageFiles',
    args: () => [dir],
    call: (p) => vision.getImageFiles(p as Any),
    mustReject: { 0: ['null', 'NaN', 'object', 'array', 'zero'] },
  },
  {
    name: 'vision.ImageDataLoaders',
    word: 'ImageDataLoaders',
    args: () => [dir, { validPct: 0.5, seed: 1, batchSize: 2, itemTfms: vision.Resize(4), skipBad: false, mode: 'RGB', prefetch: 1 }],
    call: (p, o) => vision.ImageDataLoaders.fromFolder(p as Any, o as Any),
    mustReject: {
      0: ['null', 'NaN', 'object', 'array', 'zero'],
      1: [...BAD_OPTS],
      '1.validPct': ['NaN', 'negative', 'huge', 'string'],
      '1.batchSize': ['NaN', 'zero', 'negative', 'fractional', 'string'],
      '1.itemTfms': ['zero', 'string', 'object'],
      '1.mode': ['zero', 'string', 'object'],
      '1.skipBad': ['NaN', 'string', 'object'],
    },
  },
  {
    name: 'ImageDataLoaders.fromNameRe',
    word: 'ImageDataLoaders',
    args: () => [join(dir, 'a'), ['a_0.png', 'a_1.png'], /^([a-z])_\d\.png$/, { validPct: 0.5 }],
    call: (p, f, re, o) => vision.ImageDataLoaders.fromNameRe(p as Any, f as Any, re as Any, o as Any),
    mustReject: { 0: ['null', 'NaN', 'object'], 1: ['null', 'NaN', 'string', 'object'], 2: ['null', 'NaN', 'zero', 'object'] },
  },
  {
    name: 'ImageDataLoaders.fromNameFunc',
    word: 'ImageDataLoaders',
    args: () => [join(dir, 'b'), ['b_0.png', 'b_1.png'], (f: string) => f[0], { validPct: 0.5 }],
    call: (p, f, fn, o) => vision.ImageDataLoaders.fromNameFunc(p as Any, f as Any, fn as Any, o as Any),
    mustReject: { 1: ['null', 'NaN', 'string', 'object'], 2: ['null', 'NaN', 'zero', 'object', 'function'] },
  },
  {
    name: 'ImageDataLoaders.fromLists',
    word: 'ImageDataLoaders',
    args: () => [dir, ['a/a_0.png', 'b/b_0.png'], ['a', 'b'], { validPct: 0 }],
    call: (p, f, l, o) => vision.ImageDataLoaders.fromLists(p as Any, f as Any, l as Any, o as Any),
    mustReject: { 1: ['null', 'NaN', 'string', 'object'], 2: ['null', 'NaN', 'string', 'object', 'array'] },
  },
  {
    name: 'ImageDataLoaders.fromCsv',
    word: 'ImageDataLoaders',
    args: () => [dir, 'labels.csv', { fnCol: 'name', labelCol: 1, validPct: 0.34, seed: 2 }],
    call: (p, f, o) => vision.ImageDataLoaders.fromCsv(p as Any, f as Any, o as Any),
    mustReject: {
      1: ['null', 'NaN', 'object', 'string'],
      '2.fnCol': ['NaN', 'negative', 'huge', 'string', 'object'],
      '2.labelCol': ['NaN', 'negative', 'huge', 'string'],
    },
  },
  {
    name: 'ImageDataLoaders.showBatch',
    word: 'ImageDataLoaders',
    args: () => [{ maxN: 2, split: 'train' }],
    call: (o) => vision.ImageDataLoaders.fromFolder(dir, { validPct: 0, batchSize: 2, seed: 0 }).showBatch(o as Any),
    mustReject: { 0: [...BAD_OPTS], '0.maxN': ['NaN', 'zero', 'negative', 'huge', 'string'], '0.split': ['NaN', 'string', 'object'] },
  },
];

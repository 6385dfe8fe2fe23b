// Misuse cases for fastai's batch augmentation (src/vision/augment.ts and the files it gathers): every transform's
// constructor (each option), apply/matrices/decode/compose, augTransforms, setupAugTfms, applyBatchTfms,
// batchTfmsFn and decodeBatchTfms.
import { torch, type Tensor } from '../../src/index.js';
import {
  AffineCoordTfm,
  BatchTransform,
  Brightness,
  Contrast,
  Dihedral,
  Flip,
  IntToFloatTensor,
  LightingTfm,
  Normalize,
  RandomResizedCropGPU,
  Rotate,
  Warp,
  Zoom,
  applyBatchTfms,
  augTransforms,
  batchTfmsFn,
  decodeBatchTfms,
  setupAugTfms,
} from '../../src/vision/augment.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const img = (): Tensor => torch.rand([2, 3, 6, 7]);
const bytes = (): Tensor => torch.randint(0, 256, [2, 3, 6, 7], { dtype: 'uint8' });
const BAD_P: HostileName[] = ['null', 'NaN', 'Infinity', 'negative', 'huge', 'string', 'symbol', 'object', 'array', 'function', 'BigInt'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_IMG: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'string',
  'object',
  'array',
  'disposed tensor',
  'int64 tensor',
  'float64 tensor',
  'scalar tensor',
];
const BAD_SPLIT: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];
// a function is a legal draw (called at apply time, where its result is checked)
const BAD_DRAW: HostileName[] = ['null', 'NaN', 'Infinity', 'string', 'symbol', 'object', 'array'];
const resample = { size: [5, 6], mode: 'bilinear', padMode: 'reflection', alignCorners: true, batch: false };
const resampleReject: Case['mustReject'] = {
  '0.size': BAD_P.filter((h) => h !== 'null'),
  '0.mode': BAD_SPLIT,
  '0.padMode': BAD_SPLIT,
  '0.alignCorners': BAD_FLAG,
};

const ctor = (name: string, make: (o: unknown) => unknown, opts: () => Record<string, unknown>, reject: Case['mustReject'] = {}): Case => ({
  name: `vision.${name}`,
  args: () => [opts()],
  call: (o) => make(o),
  mustReject: { 0: BAD_OPTS, ...reject },
});
// apply with every option given: the draws, p = 1, on the training split
const applyCase = (name: string, make: () => { apply(x: Tensor, o?: unknown): Tensor }, x: () => Tensor = img): Case => ({
  name: `vision.${name}.apply`,
  skipArgs: [0],
  args: () => [make(), x(), { split: 'train' }],
  call: (t, a, o) => (t as Any).apply(a, o),
  mustReject: { 1: BAD_IMG, 2: BAD_OPTS, '2.split': BAD_SPLIT },
});
const decodeCase = (name: string, make: () => { decode(x: Tensor): Tensor }): Case => ({
  name: `vision.${name}.decode`,
  skipArgs: [0],
  args: () => [make(), img()],
  call: (t, a) => (t as Any).decode(a),
  mustReject: { 1: BAD_IMG },
});

const flip = (): Flip => new Flip({ p: 1, draw: [1, 0] });
const rotate = (): Rotate => new Rotate({ p: 1, draw: [5, -5] });
const zoom = (): Zoom => new Zoom({ p: 1, draw: 1.05, drawX: 0.2, drawY: 0.7 });
const warp = (): Warp => new Warp({ p: 1, drawX: [0.1, -0.1], drawY: 0.05 });
const dihedral = (): Dihedral => new Dihedral({ p: 1, draw: [3, 6] });
const bright = (): Brightness => new Brightness({ p: 1, draw: [0.4, 0.6] });
const contrast = (): Contrast => new Contrast({ p: 1, draw: 1.1 });
const norm = (): Normalize => Normalize.fromStats([0.5, 0.4, 0.3], [0.2, 0.2, 0.2]);
const mats = (x: Tensor): Tensor => torch.eye(3).unsqueeze(0).expand([x.shape[0]!, 3, 3]);
const affine = (): AffineCoordTfm =>
  new AffineCoordTfm({ affFs: [mats], coordFs: [mats], size: [5, 6], mode: 'bilinear', padMode: 'reflection', alignCorners: true } as Any);

// a user's own batch transform: the base class checks the batch and the split before encodes runs
class Double extends BatchTransform {
  readonly order = 50;
  readonly splitIdx = null;
  protected readonly fn = 'vision.BatchTransform';
  protected encodes(x: Tensor): Tensor {
    return x.mul(2);
  }
}

export const cases: Case[] = [
  {
    name: 'vision.BatchTransform',
    args: () => [img(), { split: 'valid' }],
    call: (x, o) => new Double().apply(x as Any, o as Any),
    mustReject: { 0: BAD_IMG, 1: BAD_OPTS, '1.split': BAD_SPLIT },
  },
  ctor(
    'Flip',
    (o) => new Flip(o as Any),
    () => ({ p: 0.5, draw: [1, 0], ...resample }),
    { '0.p': BAD_P, '0.draw': BAD_DRAW, '0.batch': BAD_FLAG, ...resampleReject },
  ),
  ctor(
    'Rotate',
    (o) => new Rotate(o as Any),
    () => ({ maxDeg: 10, p: 0.5, draw: 3, ...resample }),
    { '0.maxDeg': BAD_P.filter((h) => h !== 'huge'), '0.p': BAD_P, '0.draw': BAD_DRAW },
  ),
  ctor(
    'Zoom',
    (o) => new Zoom(o as Any),
    () => ({ minZoom: 1, maxZoom: 1.1, p: 0.5, draw: 1.05, drawX: 0.5, drawY: [0.1, 0.2], ...resample }),
    {
      '0.minZoom': BAD_P.filter((h) => h !== 'huge'),
      '0.maxZoom': BAD_P.filter((h) => h !== 'huge'),
      '0.drawX': BAD_DRAW,
      '0.drawY': BAD_DRAW,
    },
  ),
  ctor(
    'Warp',
    (o) => new Warp(o as Any),
    () => ({ magnitude: 0.2, p: 0.5, drawX: 0.1, drawY: [0.1, 0.2], ...resample }),
    { '0.magnitude': BAD_P, '0.drawX': BAD_DRAW },
  ),
  ctor(
    'Dihedral',
    (o) => new Dihedral(o as Any),
    () => ({ p: 0.5, draw: [0, 7], ...resample }),
    { '0.draw': [...BAD_DRAW, 'negative', 'huge', 'fractional'] },
  ),
  ctor(
    'AffineCoordTfm',
    (o) => new AffineCoordTfm(o as Any),
    () => ({ affFs: [mats], coordFs: [mats], size: 4, mode: 'nearest', padMode: 'zeros', alignCorners: false }),
    {
      '0.affFs': ['null', 'NaN', 'string', 'object', 'array', 'function', 'symbol'],
      '0.coordFs': ['null', 'NaN', 'string', 'object', 'array', 'function', 'symbol'],
    },
  ),
  ctor(
    'Brightness',
    (o) => new Brightness(o as Any),
    () => ({ maxLighting: 0.2, p: 0.75, draw: [0.4, 0.5], batch: true }),
    {
      '0.maxLighting': BAD_P,
      '0.p': BAD_P,
      '0.draw': BAD_DRAW,
      '0.batch': BAD_FLAG,
    },
  ),
  ctor(
    'Contrast',
    (o) => new Contrast(o as Any),
    () => ({ maxLighting: 0.2, p: 0.75, draw: 1.1, batch: false }),
    { '0.maxLighting': BAD_P, '0.p': BAD_P },
  ),
  {
    name: 'vision.LightingTfm',
    args: () => [[() => () => undefined]],
    call: (fs) => new LightingTfm(fs as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'symbol'] },
  },
  ctor(
    'IntToFloatTensor',
    (o) => new IntToFloatTensor(o as Any),
    () => ({ div: 255 }),
    { '0.div': [...BAD_P, 'zero'].filter((h): h is HostileName => h !== 'huge') },
  ),
  {
    name: 'vision.Normalize',
    args: () => [
      [0.5, 0.4, 0.3],
      [0.2, 0.2, 0.2],
    ],
    call: (m, s) => new Normalize(m as Any, s as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor'],
      1: ['null', 'undefined', 'zero', 'negative', 'string', 'object', 'array'],
    },
  },
  {
    name: 'vision.Normalize.fromStats',
    args: () => [[0.5], [0.2]],
    call: (m, s) => Normalize.fromStats(m as Any, s as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'object', 'array'],
      1: ['null', 'undefined', 'zero', 'negative', 'string', 'object', 'array'],
    },
  },
  applyCase('Flip', flip),
  applyCase('Rotate', rotate),
  applyCase('Zoom', zoom),
  applyCase('Warp', warp),
  applyCase('Dihedral', dihedral),
  applyCase('AffineCoordTfm', affine),
  applyCase('Brightness', bright),
  applyCase('Contrast', contrast),
  applyCase('LightingTfm', () => bright().compose(contrast())),
  applyCase('Normalize', norm),
  applyCase('RandomResizedCropGPU', () => new RandomResizedCropGPU([3, 4], { minScale: 0.3 })),
  {
    name: 'vision.RandomResizedCropGPU',
    args: () => [[3, 4], { minScale: 0.3, maxScale: 0.9, ratio: [0.75, 1.25], mode: 'nearest', padMode: 'border', validScale: 0.9, rng: () => 0.5 }],
    call: (size, o) => new RandomResizedCropGPU(size as Any, o as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'string', 'object', 'array', 'function'],
      1: BAD_OPTS,
      '1.minScale': [...BAD_P, 'zero'],
      '1.ratio': ['null', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'symbol'],
      '1.validScale': [...BAD_P, 'zero'],
      '1.rng': ['null', 'NaN', 'zero', 'string', 'object', 'array', 'symbol'],
    },
  },
  // a hostile rng is called at apply time and its value refused
  {
    name: 'vision.RandomResizedCropGPU.apply',
    skipArgs: [0],
    args: () => [new RandomResizedCropGPU(3, { rng: () => 2 }), img()],
    call: (t, a) => (t as Any).apply(a),
    word: 'RandomResizedCropGPU',
  },
  {
    name: 'vision.RandomResizedCropGPU.box',
    skipArgs: [0],
    args: () => [new RandomResizedCropGPU(3), 6, 7, 'train'],
    call: (t, h, w, s) => (t as Any).box(h, w, s),
    mustReject: {
      1: ['null', 'NaN', 'negative', 'zero', 'fractional', 'string', 'object'],
      2: ['null', 'NaN', 'negative', 'zero', 'string'],
      3: ['null', 'NaN', 'string', 'object'],
    },
  },
  applyCase('IntToFloatTensor', () => new IntToFloatTensor(), bytes),
  decodeCase('Normalize', norm),
  decodeCase('IntToFloatTensor', () => new IntToFloatTensor()),
  decodeCase('Flip', flip),
  {
    name: 'vision.AffineCoordTfm.matrices',
    skipArgs: [0],
    args: () => [warp(), img(), { split: 'valid' }],
    call: (t, a, o) => (t as Any).matrices(a, o),
    mustReject: { 1: BAD_IMG, 2: BAD_OPTS, '2.split': BAD_SPLIT },
  },
  // a draw function is called with the batch and its result checked
  {
    name: 'vision.Rotate.apply',
    skipArgs: [0],
    args: () => [new Rotate({ p: 1, draw: (x: Tensor) => torch.full([x.shape[0]!], 4) }), img()],
    call: (t, a) => (t as Any).apply(a),
    mustReject: { 1: BAD_IMG },
  },
  {
    name: 'vision.AffineCoordTfm.compose',
    skipArgs: [0],
    args: () => [flip(), rotate()],
    call: (t, o) => (t as Any).compose(o),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'] },
  },
  {
    name: 'vision.LightingTfm.compose',
    skipArgs: [0],
    args: () => [bright(), contrast()],
    call: (t, o) => (t as Any).compose(o),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'] },
  },
  {
    name: 'vision.augTransforms',
    args: () => [
      {
        mult: 1,
        doFlip: true,
        flipVert: false,
        maxRotate: 10,
        minZoom: 1,
        maxZoom: 1.1,
        maxLighting: 0.2,
        maxWarp: 0.2,
        pAffine: 0.75,
        pLighting: 0.75,
        xtraTfms: [norm()],
        size: 8,
        mode: 'bilinear',
        padMode: 'reflection',
        alignCorners: true,
        batch: false,
        minScale: 1,
      },
    ],
    call: (o) => augTransforms(o as Any),
    mustReject: {
      0: BAD_OPTS,
      '0.mult': BAD_P.filter((h) => h !== 'huge'),
      '0.doFlip': BAD_FLAG,
      '0.maxWarp': BAD_P,
      '0.pAffine': BAD_P,
      '0.pLighting': BAD_P,
      '0.xtraTfms': ['NaN', 'string', 'object', 'array', 'function', 'symbol'],
      '0.minScale': [...BAD_P, 'zero'],
    },
  },
  {
    name: 'vision.setupAugTfms',
    args: () => [[flip(), bright(), rotate(), norm()]],
    call: (t) => setupAugTfms(t as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'] },
  },
  {
    name: 'vision.applyBatchTfms',
    args: () => [[new IntToFloatTensor(), flip(), bright()], [bytes(), torch.tensor([1, 0], { dtype: 'int64' })], { split: 'train' }],
    call: (t, b, o) => applyBatchTfms(t as Any, b as Any, o as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function'],
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'int64 tensor'],
      2: BAD_OPTS,
      '2.split': BAD_SPLIT,
    },
  },
  {
    name: 'vision.batchTfmsFn',
    args: () => [[flip(), norm()], { split: 'valid' }],
    call: (t, o) => (batchTfmsFn(t as Any, o as Any) as (b: unknown) => unknown)(img()),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function'], 1: BAD_OPTS, '1.split': BAD_SPLIT },
  },
  {
    name: 'vision.decodeBatchTfms',
    args: () => [[new IntToFloatTensor(), norm()], img()],
    call: (t, x) => decodeBatchTfms(t as Any, x as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function'], 1: BAD_IMG },
  },
];

// Misuse cases for every function of torch.functional: each argument (and each option) poisoned with each
// hostile value must give a Flint error naming the function, never a JS internal error, a crash or a leak.
import { torch, type Tensor } from '../../src/index.js';
import type { Case } from './harness.js';

const F = torch.functional;
const long = (v: number[] | number[][]): Tensor => torch.tensor(v, { dtype: 'int64' });
const img = (): Tensor => torch.rand([2, 3, 6, 6]); // N, C, H, W
const seq = (): Tensor => torch.rand([2, 3, 8]); // N, C, L
const fn = (name: string, args: Case['args'], extra: Partial<Case> = {}): Case => ({
  name: `torch.functional.${name}`,
  args,
  ...extra,
  call: (...a) => (F as unknown as Record<string, (...b: unknown[]) => unknown>)[name]!(...a),
});
const conv = (): { stride: number; padding: number; dilation: number; groups: number } => ({ stride: 1, padding: 1, dilation: 1, groups: 1 });
const pool = (): { stride: number; padding: number; dilation: number; ceilMode: boolean } => ({
  stride: 2,
  padding: 1,
  dilation: 1,
  ceilMode: false,
});
const avg = (): { stride: number; padding: number; ceilMode: boolean; countIncludePad: boolean } => ({
  stride: 2,
  padding: 1,
  ceilMode: false,
  countIncludePad: true,
});
const logits = (): Tensor => torch.randn([4, 3]);
const labels = (): Tensor => long([0, 2, 1, 0]);
const logProbs = (): Tensor => torch.tidy(() => logits().logSoftmax(1)); // tidy: the logits are not left behind

// LSTM/GRU weights for input size 3, hidden size 2, one layer, one direction: [w_ih, w_hh, b_ih, b_hh].
const rnnParams = (gates: number): Tensor[] => [
  torch.rand([gates * 2, 3]),
  torch.rand([gates * 2, 2]),
  torch.rand([gates * 2]),
  torch.rand([gates * 2]),
];
const rnnOpts = (): { hasBiases: boolean; numLayers: number; dropout: number; training: boolean; bidirectional: boolean; batchFirst: boolean } => ({
  hasBiases: true,
  numLayers: 1,
  dropout: 0,
  training: false,
  bidirectional: false,
  batchFirst: true,
});

export const cases: Case[] = [
  fn('tuple', () => [2, 2, 'stride']),
  fn('linear', () => [logits(), torch.rand([5, 3]), torch.rand([5])]),
  fn('bilinear', () => [logits(), torch.rand([4, 2]), torch.rand([5, 3, 2]), torch.rand([5])]),
  fn('conv1d', () => [seq(), torch.rand([4, 3, 3]), torch.rand([4]), conv()]),
  fn('conv2d', () => [img(), torch.rand([4, 3, 3, 3]), torch.rand([4]), conv()]),
  fn('conv2d', () => [img(), torch.rand([4, 3, 3, 3]), null, { padding: 'same', stride: [1, 1] }]),
  fn('convTranspose2d', () => [
    img(),
    torch.rand([3, 4, 3, 3]),
    torch.rand([4]),
    { stride: 2, padding: 1, outputPadding: 1, groups: 1, dilation: 1 },
  ]),
  fn('maxPool1d', () => [seq(), 2, pool()]),
  fn('maxPool2d', () => [img(), 2, pool()]),
  fn('maxPool2d', () => [img(), [2, 2], { stride: null }]),
  fn('maxPool2dWithIndices', () => [img(), 2, pool()]),
  fn('avgPool1d', () => [seq(), 2, avg()]),
  fn('avgPool2d', () => [img(), 2, avg()]),
  fn('adaptiveAvgPool1d', () => [seq(), 4]),
  fn('adaptiveAvgPool2d', () => [img(), [3, 2]]),
  fn('adaptiveMaxPool1d', () => [seq(), 4]),
  fn('adaptiveMaxPool2d', () => [img(), 3]),
  fn('batchNorm', () => [
    img(),
    torch.zeros([3]),
    torch.ones([3]),
    { weight: torch.ones([3]), bias: torch.zeros([3]), training: true, momentum: 0.1, eps: 1e-5 },
  ]),
  fn('layerNorm', () => [seq(), [8], torch.ones([8]), torch.zeros([8]), 1e-5]),
  fn('groupNorm', () => [img(), 3, torch.ones([3]), torch.zeros([3]), 1e-5]),
  fn('instanceNorm', () => [
    img(),
    {
      runningMean: torch.zeros([3]),
      runningVar: torch.ones([3]),
      weight: torch.ones([3]),
      bias: torch.zeros([3]),
      useInputStats: true,
      momentum: 0.1,
      eps: 1e-5,
    },
  ]),
  fn('dropout', () => [logits(), 0.5, true]),
  fn('dropout2d', () => [img(), 0.5, true]),
  fn('embedding', () => [
    long([
      [0, 2],
      [1, 3],
    ]),
    torch.rand([4, 5]),
    0,
  ]),
  fn('embeddingBag', () => [
    long([
      [0, 2],
      [1, 3],
    ]),
    torch.rand([4, 5]),
    { mode: 'sum', perSampleWeights: torch.ones([2, 2]), paddingIdx: null },
  ]),
  fn('embeddingBag', () => [long([0, 2, 1, 3]), torch.rand([4, 5]), { offsets: long([0, 2]), mode: 'mean' }]),
  fn('interpolate', () => [img(), { size: [4, 5], mode: 'bilinear', alignCorners: true }]),
  fn('interpolate', () => [img(), { scaleFactor: 2, mode: 'nearest' }]),
  fn('gridSample', () => [img(), torch.zeros([2, 2, 3, 2]), { mode: 'bilinear', paddingMode: 'border', alignCorners: true }], {
    mustReject: {
      1: ['null', 'NaN', 'string', 'object', 'array', 'scalar tensor', 'disposed tensor'],
      '2.mode': ['NaN', 'string', 'object'],
      '2.paddingMode': ['NaN', 'string', 'object'],
      '2.alignCorners': ['NaN', 'string', 'object'],
    },
  }),
  fn('affineGrid', () => [torch.zeros([2, 2, 3]), [2, 3, 4, 5], false], {
    mustReject: {
      0: ['null', 'NaN', 'string', 'scalar tensor', 'int64 tensor', 'disposed tensor'],
      1: ['null', 'NaN', 'string', 'object', 'array', 'huge'],
      2: ['null', 'NaN', 'string', 'object'],
    },
  }),
  fn('pad', () => [img(), [1, 1, 2, 0], 'constant', 0]),
  fn('pad', () => [img(), [1, 1], 'reflect']),
  fn('crossEntropy', () => [logits(), labels(), { weight: torch.ones([3]), ignoreIndex: -100, reduction: 'mean', labelSmoothing: 0.1 }]),
  fn('nllLoss', () => [logProbs(), labels(), { weight: torch.ones([3]), ignoreIndex: -100, reduction: 'sum' }]),
  fn('mseLoss', () => [logits(), logits(), { reduction: 'none' }]),
  fn('l1Loss', () => [logits(), logits(), { reduction: 'sum' }]),
  fn('smoothL1Loss', () => [logits(), logits(), { reduction: 'mean', beta: 1 }]),
  fn('huberLoss', () => [logits(), logits(), { reduction: 'mean', delta: 1 }]),
  fn('binaryCrossEntropy', () => [torch.rand([4]), torch.rand([4]), { weight: torch.ones([4]), reduction: 'mean' }]),
  fn('binaryCrossEntropyWithLogits', () => [
    logits(),
    torch.rand([4, 3]),
    { weight: torch.ones([3]), posWeight: torch.ones([3]), reduction: 'mean' },
  ]),
  fn('klDiv', () => [logProbs(), torch.tidy(() => logits().softmax(1)), { reduction: 'batchmean', logTarget: false }]),
  fn('klDiv', () => [logProbs(), logProbs(), { reduction: 'sum', logTarget: true }]),
  fn('scaledDotProductAttention', () => [
    torch.rand([2, 4, 8]),
    torch.rand([2, 4, 8]),
    torch.rand([2, 4, 8]),
    { attnMask: torch.ones([4, 4], { dtype: 'bool' }), dropoutP: 0, isCausal: false, scale: null },
  ]),
  fn('lstm', () => [torch.rand([2, 5, 3]), [torch.zeros([1, 2, 2]), torch.zeros([1, 2, 2])], rnnParams(4), rnnOpts()]),
  fn('gru', () => [torch.rand([2, 5, 3]), torch.zeros([1, 2, 2]), rnnParams(3), rnnOpts()]),
];

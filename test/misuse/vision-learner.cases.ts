// Misuse cases for visionLearner and fastai's head and body (vision.createHead, vision.createBody).
import { data, nn, torch, vision } from '../../src/index.js';
import type { Case } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

function loaders(): data.DataLoaders {
  const x = torch.rand([8, 3, 8, 8]);
  const y = torch.randint(0, 2, [8]);
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 4 });
  dls.preprocessing = { kind: 'image', divisor: 1, mean: [0, 0, 0], std: [1, 1, 1], statsShape: [3, 1, 1], itemShape: [3, 8, 8], vocab: ['a', 'b'] };
  return dls;
}
const tiny = (): nn.Module =>
  new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2));

export const cases: Case[] = [
  {
    name: 'vision.createHead',
    args: () => [16, 3, { linFtrs: [8], ps: 0.5, pool: true, concatPool: true, firstBn: true, bnFinal: false, linFirst: false, yRange: [0, 1] }],
    call: (nf, nOut, o) => vision.createHead(nf as Any, nOut as Any, o as Any),
    leakCheck: false,
    mustReject: {
      0: ['null', 'NaN', 'zero', 'negative', 'fractional', 'string'],
      1: ['null', 'NaN', 'zero', 'negative', 'fractional', 'string'],
      '2.ps': ['NaN', 'negative', 'huge', 'string'],
      '2.linFtrs': ['NaN', 'string', 'object', 'array'],
      '2.yRange': ['NaN', 'string', 'object', 'array'],
    },
  },
  {
    name: 'vision.createBody',
    args: () => [tiny(), -2],
    call: (m, cut) => vision.createBody(m as Any, cut as Any),
    leakCheck: false,
    mustReject: { 0: ['null', 'string', 'object', 'array'], 1: ['NaN', 'zero', 'huge', 'fractional', 'string'] },
  },
  {
    name: 'vision.visionLearner',
    args: () => [loaders(), () => tiny(), { cut: -2, nOut: 2, linFtrs: [8], ps: 0.2, lr: 1e-3 }],
    call: (dls, arch, o) => vision.visionLearner(dls as Any, arch as Any, o as Any),
    leakCheck: false,
    mustReject: {
      1: ['null', 'NaN', 'zero', 'object', 'array'],
      '2.cut': ['NaN', 'huge', 'fractional', 'string'],
      '2.nOut': ['NaN', 'zero', 'negative', 'string'],
      '2.pretrained': ['NaN', 'zero', 'object', 'array'],
      '2.lr': ['NaN', 'negative', 'string'],
    },
  },
];

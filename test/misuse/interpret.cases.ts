// Misuse cases for the pictures of interpretation (plot.encodePng, imageGridSvg, confusionMatrixSvg) and
// interpret.ClassificationInterpretation.
import { Learner, data, nn, plot, torch } from '../../src/index.js';
import { ClassificationInterpretation } from '../../src/interpret/index.js';
import type { Case } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

function learner(): Learner {
  const x = torch.tensor([
    [2, 1],
    [0, 3],
    [1, 0],
    [0, 2],
  ]);
  const y = torch.tensor([0, 1, 1, 1], { dtype: 'int64' });
  return new Learner(data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 2, shuffle: false }), new nn.Identity(), {
    lossFunc: new nn.CrossEntropyLossFlat(),
    defaultCbs: false,
  });
}

export const cases: Case[] = [
  {
    name: 'plot.encodePng',
    args: () => [new Uint8Array(12), 2, 2, 3],
    call: (p, w, h, c) => plot.encodePng(p as Any, w as Any, h as Any, c as Any),
    mustReject: {
      0: ['null', 'string', 'array', 'object'],
      1: ['NaN', 'zero', 'negative', 'huge'],
      2: ['NaN', 'zero', 'negative', 'huge'],
      3: ['NaN', 'zero', 'huge'],
    },
  },
  {
    name: 'plot.imageGridSvg',
    args: () => [[{ image: torch.rand([3, 4, 5]), caption: ['a', 'b'], color: 'red' }], { cols: 2, size: 32, title: 't' }],
    call: (cells, o) => plot.imageGridSvg(cells as Any, o as Any),
    mustReject: { 0: ['null', 'string', 'object', 'array'], '1.cols': ['NaN', 'zero', 'negative', 'huge'], '1.size': ['NaN', 'zero', 'huge'] },
  },
  {
    name: 'plot.confusionMatrixSvg',
    args: () => [
      [
        [1, 2],
        [0, 3],
      ],
      ['a', 'b'],
      { normalize: true, title: 'cm' },
    ],
    call: (cm, labels, o) => plot.confusionMatrixSvg(cm as Any, labels as Any, o as Any),
    mustReject: { 0: ['null', 'string', 'object', 'array'], 1: ['null', 'string', 'object', 'array'], '2.normalize': ['NaN', 'string'] },
  },
  {
    name: 'interpret.ClassificationInterpretation',
    word: 'ClassificationInterpretation',
    leakCheck: false,
    args: () => [learner(), { dl: undefined }],
    call: async (l, o) => {
      const interp = await ClassificationInterpretation.fromLearner(l as Any, o as Any);
      try {
        interp.confusionMatrix();
        interp.mostConfused(1);
        interp.topLosses(2, true);
        interp.plotConfusionMatrix({ normalize: false });
      } finally {
        interp.dispose();
      }
    },
    mustReject: { 0: ['null', 'string', 'object', 'array', 'function'], '1.dl': ['null', 'string', 'object', 'zero'] },
  },
  {
    name: 'ClassificationInterpretation.topLosses',
    word: 'ClassificationInterpretation',
    leakCheck: false,
    args: () => [learner(), 2, true],
    call: async (l, k, largest) => {
      const interp = await ClassificationInterpretation.fromLearner(l as Any);
      try {
        interp.topLosses(k as Any, largest as Any);
        interp.mostConfused(k as Any);
      } finally {
        interp.dispose();
      }
    },
    skipArgs: [0],
    mustReject: { 1: ['NaN', 'zero', 'negative', 'fractional', 'huge', 'string'], 2: ['NaN', 'string', 'null'] },
  },
];

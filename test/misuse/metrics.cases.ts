// Misuse cases for the `metrics` namespace: each factory's options, and compute/accumulate with bad tensors.
import { metrics, torch, type Tensor } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type M = metrics.Metric;
const logits = (): Tensor =>
  torch.tensor([
    [2, 1, 0],
    [0, 2, 1],
    [1, 0, 2],
    [2, 0, 1],
    [0, 1, 2],
    [1, 2, 0],
  ]);
const classes = (): Tensor => torch.tensor([0, 1, 2, 0, 2, 1], { dtype: 'int64' });
const binary = (): Tensor => torch.tensor([0, 1, 0, 1, 1, 0], { dtype: 'int64' });
const twoCol = (): Tensor =>
  torch.tensor([
    [1, 0],
    [0, 1],
    [1, 2],
    [2, 1],
    [0, 3],
    [3, 0],
  ]);
const values = (): Tensor => torch.tensor([0.5, 1.5, 2, 3, 4.5, 5]);
const targets = (): Tensor => torch.tensor([0.4, 1.7, 2.2, 2.9, 4, 5.5]);
const multiTargs = (): Tensor =>
  torch.tensor([
    [1, 0, 1],
    [0, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 1],
  ]);
const seg = (): Tensor =>
  torch.tensor([
    [
      [
        [2, 0],
        [0, 2],
      ],
      [
        [0, 2],
        [2, 0],
      ],
    ],
  ]); // [1, 2, 2, 2]: 2 classes
const segTarg = (): Tensor =>
  torch.tensor(
    [
      [
        [0, 1],
        [1, 1],
      ],
    ],
    { dtype: 'int64' },
  );

const NUM: HostileName[] = ['NaN', 'Infinity', '-Infinity', 'BigInt', 'string', 'symbol', 'object', 'array', 'function', 'null'];
const FLAG: HostileName[] = ['NaN', 'zero', 'string', 'object', 'function', 'null'];
const DIM: HostileName[] = ['NaN', 'Infinity', 'fractional', 'BigInt', 'string', 'object', 'null'];
const WEIGHTS: HostileName[] = ['NaN', 'zero', 'string', 'object', 'null', 'disposed tensor', 'bool tensor', 'function'];
const OPTS: HostileName[] = ['string', 'zero', 'array', 'function', 'NaN', 'symbol', 'object', 'null'];

interface Kind {
  preds: () => Tensor;
  targs: () => Tensor;
}
const CLASS: Kind = { preds: logits, targs: classes };
const REG: Kind = { preds: values, targs: targets };
const BIN: Kind = { preds: twoCol, targs: binary };
const MULTI: Kind = { preds: logits, targs: multiTargs };
const SEG: Kind = { preds: seg, targs: segTarg };

/** A factory case: its options poisoned, then compute (or accumulate) on valid tensors, so that an option accepted
 * when made but broken when used is caught too. */
function factory(
  name: string,
  make: (...a: unknown[]) => M,
  args: () => unknown[],
  kind: Kind,
  mustReject: Case['mustReject'] = {},
  useAccumulate = false,
): Case {
  const n = args().length;
  return {
    name: `metrics.${name}`,
    args: () => [...args(), kind.preds(), kind.targs()],
    skipArgs: [n, n + 1],
    mustReject,
    call: (...a) => {
      const m = make(...a.slice(0, n));
      if (!useAccumulate) return m.compute(a[n] as Tensor, a[n + 1] as Tensor);
      try {
        m.reset();
        m.accumulate({ pred: a[n] as Tensor, yb: [a[n + 1] as Tensor], loss: torch.tensor(0.5), lossParts: { ce: torch.tensor(0.25) } });
        return m.value;
      } finally {
        m.reset();
      }
    },
  };
}
/** compute with each tensor poisoned. */
function compute(make: () => M, kind: Kind): Case {
  return {
    name: 'Metric.compute',
    args: () => [kind.preds(), kind.targs()],
    call: (p, t) => make().compute(p as Tensor, t as Tensor),
    mustReject: { 0: ['null', 'undefined', 'string', 'object', 'disposed tensor'], 1: ['null', 'undefined', 'string', 'object', 'disposed tensor'] },
  };
}
/** accumulate (then value) with each part of the batch state poisoned. */
function accumulate(make: () => M, kind: Kind, loss = false): Case {
  return {
    name: 'Metric.accumulate',
    word: 'Metric',
    args: () => [
      { pred: kind.preds(), yb: [kind.targs()], loss: loss ? torch.tensor(0.5) : null, lossParts: loss ? { ce: torch.tensor(0.25) } : null },
    ],
    call: (s) => {
      const m = make();
      try {
        m.reset();
        m.accumulate(s as metrics.BatchState);
        m.accumulate(s as metrics.BatchState);
        return m.value;
      } finally {
        m.reset();
      }
    },
    mustReject: {
      0: ['null', 'undefined', 'string', 'int64 tensor'],
      '0.yb': ['null', 'undefined', 'string', 'object', 'zero'],
      '0.pred': ['string', 'object', 'disposed tensor'],
    },
  };
}

const classOpts = (): unknown[] => [{ axis: -1, average: 'macro', posLabel: 1, labels: [0, 1, 2], sampleWeight: [1, 1, 2, 1, 1, 1] }];
const classReject = {
  0: OPTS,
  '0.axis': DIM,
  '0.average': ['string', 'zero', 'null', 'object'],
  '0.posLabel': ['NaN', 'negative', 'fractional', 'string', 'null'],
  '0.labels': ['string', 'zero', 'array', 'object'],
  '0.sampleWeight': WEIGHTS,
} satisfies Case['mustReject'];
const axisOpts = (): unknown[] => [{ axis: -1, sampleWeight: [1, 1, 2, 1, 1, 1] }];
const axisReject = { 0: OPTS, '0.axis': DIM, '0.sampleWeight': WEIGHTS } satisfies Case['mustReject'];
const multiOpts = (): unknown[] => [{ thresh: 0.5, sigmoid: true, average: 'macro' }];
const multiReject = { 0: OPTS, '0.thresh': NUM, '0.sigmoid': FLAG, '0.average': ['string', 'zero', 'null'] } satisfies Case['mustReject'];
const decideOpts = (): unknown[] => [{ thresh: 0.5, sigmoid: true }];
const decideReject = { 0: OPTS, '0.thresh': NUM, '0.sigmoid': FLAG } satisfies Case['mustReject'];
const sigOpts = (): unknown[] => [{ sigmoid: true }];
const sigReject = { 0: OPTS, '0.sigmoid': FLAG } satisfies Case['mustReject'];
const regOpts = (): unknown[] => [{ sampleWeight: [1, 2, 1, 1, 1, 1] }];
const regReject = { 0: OPTS, '0.sampleWeight': WEIGHTS } satisfies Case['mustReject'];
const none = (): unknown[] => [];
const fn2 = (p: Tensor, t: Tensor): Tensor => metrics.functions.accuracy(p, t);
const skm = (yt: ArrayLike<number>, yp: ArrayLike<number>): number => {
  let ok = 0;
  for (let i = 0; i < yt.length; i++) ok += yt[i] === yp[i] ? 1 : 0;
  return ok / yt.length;
};

const m = metrics as unknown as Record<string, (...a: unknown[]) => M>;
const ctor =
  (C: unknown) =>
  (...a: unknown[]): M =>
    new (C as new (...x: unknown[]) => M)(...a);

export const cases: Case[] = [
  ...['Precision', 'Recall', 'F1Score', 'Jaccard'].map((n) => factory(n, m[n]!, classOpts, CLASS, classReject)),
  factory('FBeta', m.FBeta!, () => [2, ...classOpts()], CLASS, { 0: ['NaN', 'negative', 'Infinity', 'string', 'null', 'BigInt'], 1: OPTS }),
  ...['BalancedAccuracy', 'MatthewsCorrCoef', 'CohenKappa', 'HammingLoss'].map((n) => factory(n, m[n]!, axisOpts, CLASS, axisReject)),
  ...['mse', 'mae', 'msle', 'rmse', 'ExplainedVariance', 'R2Score'].map((n) => factory(n, m[n]!, regOpts, REG, regReject)),
  ...['expRmspe', 'PearsonCorrCoef', 'SpearmanCorrCoef'].map((n) => factory(n, m[n]!, none, REG)),
  ...['RocAucBinary', 'APScoreBinary', 'BrierScore'].map((n) => factory(n, m[n]!, none, BIN)),
  factory('RocAuc', m.RocAuc!, () => [{ multiClass: 'ovo' }], CLASS, { 0: OPTS, '0.multiClass': ['string', 'zero', 'null'] }),
  factory('topKAccuracy', m.topKAccuracy!, () => [2, -1], CLASS, { 0: ['NaN', 'zero', 'negative', 'fractional', 'string', 'null'], 1: DIM }),
  factory('accuracyMulti', m.accuracyMulti!, decideOpts, MULTI, decideReject),
  ...['PrecisionMulti', 'RecallMulti', 'F1ScoreMulti', 'JaccardMulti'].map((n) => factory(n, m[n]!, multiOpts, MULTI, multiReject)),
  factory('FBetaMulti', m.FBetaMulti!, () => [2, ...multiOpts()], MULTI, { 0: ['NaN', 'negative', 'Infinity', 'string', 'null'], 1: OPTS }),
  ...['HammingLossMulti', 'MatthewsCorrCoefMulti'].map((n) => factory(n, m[n]!, decideOpts, MULTI, decideReject)),
  ...['RocAucMulti', 'APScoreMulti', 'BrierScoreMulti'].map((n) => factory(n, m[n]!, sigOpts, MULTI, sigReject)),
  ...['Dice', 'DiceMulti', 'JaccardCoeff', 'JaccardCoeffMulti'].map((n) => factory(n, ctor(m[n]), () => [1], SEG, { 0: DIM }, true)),
  factory('foregroundAcc', m.foregroundAcc!, () => [{ bkgIdx: 0, axis: 1 }], SEG, { 0: OPTS, '0.bkgIdx': DIM, '0.axis': DIM }),
  factory('accuracy', m.accuracy!, none, CLASS),
  factory('errorRate', m.errorRate!, none, CLASS),
  factory('Perplexity', ctor(metrics.Perplexity), none, CLASS, {}, true),
  factory('AvgLoss', ctor(metrics.AvgLoss), none, CLASS, {}, true),
  factory('AvgSmoothLoss', ctor(metrics.AvgSmoothLoss), () => [0.9], CLASS, { 0: ['NaN', 'negative', 'Infinity', 'huge', 'string', 'null'] }, true),
  factory('LossPartMetric', ctor(metrics.LossPartMetric), () => ['ce'], CLASS, { 0: ['zero', 'null', 'undefined', 'object', 'NaN'] }, true),
  // the name may be left out (the function's name is used), as in fastai
  factory(
    'ValueMetric',
    ctor(metrics.ValueMetric),
    () => [() => 1, 'v'],
    CLASS,
    { 0: ['zero', 'null', 'string', 'object'], 1: ['zero', 'null', 'object'] },
    true,
  ),
  factory(
    'AvgMetric',
    ctor(metrics.AvgMetric),
    () => [(p: Tensor) => p.float().mean(), 'acc', { dimArgmax: -1, activation: 'softmax', thresh: 0.5 }],
    CLASS,
    {
      0: ['zero', 'null', 'undefined', 'string', 'object'],
      1: ['zero', 'object', 'null'],
      2: OPTS,
      '2.dimArgmax': DIM,
      '2.activation': ['string', 'zero', 'null'],
      '2.thresh': NUM,
    },
  ),
  factory('AvgSmoothMetric', ctor(metrics.AvgSmoothMetric), () => [fn2, 0.9, 'acc', {}], CLASS, {
    0: ['zero', 'null', 'undefined', 'string'],
    1: ['NaN', 'negative', 'huge', 'string'],
    2: ['zero', 'object'],
    3: OPTS,
  }),
  factory(
    'AccumMetric',
    ctor(metrics.AccumMetric),
    () => [
      (p: Tensor, t: Tensor) => p.eq(t).float().mean(),
      { dimArgmax: -1, activation: 'none', thresh: 0.5, flatten: true, toArray: false, invertArgs: true, name: 'acc', kwargs: { a: 1 } },
    ],
    CLASS,
    {
      0: ['zero', 'null', 'undefined', 'string', 'object'],
      1: OPTS,
      '1.dimArgmax': DIM,
      '1.activation': ['string', 'zero', 'null'],
      '1.thresh': NUM,
      '1.flatten': FLAG,
      '1.toArray': FLAG,
      '1.invertArgs': FLAG,
      '1.name': ['zero', 'object', 'null'],
      '1.kwargs': ['zero', 'string', 'null', 'array'],
    },
  ),
  factory('skmToFlint', m.skmToFlint!, () => [skm, { isClass: true, axis: -1, activation: 'none', name: 'acc', kwargs: { a: 1 } }], CLASS, {
    0: ['zero', 'null', 'undefined', 'string', 'object'],
    1: OPTS,
    '1.isClass': FLAG,
    '1.axis': DIM,
    '1.activation': ['string', 'zero', 'null'],
    '1.name': ['zero', 'object', 'null'],
    '1.kwargs': ['zero', 'string', 'null', 'array'],
  }),
  factory('skmToFlint', m.skmToFlint!, () => [skm, { isClass: true, thresh: 0.5 }], MULTI, { '1.thresh': NUM }),
  // a user's own Metric: compute is not defined for it, and says so
  {
    name: 'metrics.Metric',
    args: () => [logits(), classes()],
    call: (p, t) => {
      class Mine extends metrics.Metric {
        reset(): void {}
        accumulate(): void {}
        get value(): number {
          return 1;
        }
      }
      return new Mine().compute(p as Tensor, t as Tensor);
    },
  },
  // the functions of metrics
  {
    name: 'metrics.confusionMatrix',
    args: () => [classes(), binary(), 3, [1, 1, 2, 1, 1, 1]],
    call: (p, t, n, w) => metrics.confusionMatrix(p as Tensor, t as Tensor, n as number, w as number[]),
    mustReject: {
      0: ['null', 'string', 'disposed tensor'],
      1: ['null', 'string', 'disposed tensor'],
      2: ['NaN', 'zero', 'negative', 'fractional', 'huge', 'string', 'null'],
      3: WEIGHTS,
    },
  },
  {
    name: 'metrics.transformPreds',
    args: () => [logits(), { dimArgmax: -1, activation: 'softmax', thresh: 0.5 }],
    call: (p, o) => metrics.transformPreds(p as Tensor, o as metrics.PredTransform),
    mustReject: {
      0: ['null', 'string', 'disposed tensor'],
      1: ['string', 'zero', 'null'],
      '1.dimArgmax': [...DIM, 'huge'],
      '1.activation': ['string', 'zero', 'null'],
      '1.thresh': NUM,
    },
  },
  {
    name: 'metrics.batchSize',
    args: () => [{ pred: logits(), yb: [classes()], loss: null }],
    call: (s) => metrics.batchSize(s as metrics.BatchState),
    mustReject: { 0: ['null', 'undefined', 'string', 'zero'], '0.yb': ['null', 'undefined', 'string', 'zero'] },
  },
  {
    name: 'metrics.RunningMean',
    args: () => [torch.tensor(0.5), 4],
    call: (v, n) => {
      const r = new metrics.RunningMean();
      try {
        r.add(v as Tensor, n as number);
        r.add(v as Tensor, n as number);
        return r.value;
      } finally {
        r.reset();
      }
    },
    mustReject: {
      0: ['null', 'string', 'disposed tensor', 'int64 tensor', 'bool tensor', 'float64 tensor'],
      1: ['NaN', 'negative', 'Infinity', 'string', 'null', 'undefined'],
    },
  },
  {
    name: 'metrics.averageRanks',
    args: () => [values()],
    call: (x) => metrics.averageRanks(x as Tensor),
    mustReject: { 0: ['null', 'string', 'disposed tensor', 'int64 tensor', 'scalar tensor'] },
  },
  {
    name: 'metrics.rocAuc',
    args: () => [values(), binary()],
    call: (s, t) => metrics.rocAuc(s as Tensor, t as Tensor),
    mustReject: { 0: ['null', 'string', 'disposed tensor'], 1: ['null', 'string', 'disposed tensor', 'bool tensor'] },
  },
  {
    name: 'metrics.averagePrecision',
    args: () => [values(), binary()],
    call: (s, t) => metrics.averagePrecision(s as Tensor, t as Tensor),
    mustReject: { 0: ['null', 'string', 'disposed tensor'], 1: ['null', 'string', 'disposed tensor'] },
  },
  {
    name: 'metrics.toMetric',
    args: () => [metrics.F1Score],
    call: (f) => metrics.toMetric(f as () => M),
    mustReject: { 0: ['null', 'undefined', 'zero', 'string', 'object', 'array', 'int64 tensor'] },
  },
  { name: 'metrics.toMetric', args: () => [metrics.Dice], call: (f) => metrics.toMetric(f as () => M) },
  {
    name: 'metrics.functions.accuracy',
    args: () => [logits(), classes(), -1],
    call: (p, t, a) => metrics.functions.accuracy(p as Tensor, t as Tensor, a as number),
    mustReject: {
      0: ['null', 'string', 'disposed tensor', 'scalar tensor'],
      1: ['null', 'string', 'disposed tensor', 'int64 tensor'],
      2: [...DIM, 'huge'],
    },
  },
  {
    name: 'metrics.functions.errorRate',
    args: () => [logits(), classes(), -1],
    call: (p, t, a) => metrics.functions.errorRate(p as Tensor, t as Tensor, a as number),
    mustReject: { 0: ['null', 'string', 'disposed tensor'], 1: ['null', 'string', 'disposed tensor'], 2: [...DIM, 'huge'] },
  },
  // compute and accumulate with bad tensors, for each kind of metric
  ...(
    [
      [() => metrics.F1Score({ average: 'macro' }), CLASS],
      [() => metrics.MatthewsCorrCoef(), CLASS],
      [() => metrics.rmse(), REG],
      [() => metrics.R2Score(), REG],
      [() => metrics.RocAuc(), CLASS],
      [() => metrics.RocAucBinary(), BIN],
      [() => metrics.SpearmanCorrCoef(), REG],
      [() => metrics.topKAccuracy(2), CLASS],
      [() => metrics.accuracyMulti(), MULTI],
      [() => metrics.F1ScoreMulti(), MULTI],
      [() => metrics.RocAucMulti(), MULTI],
      [() => metrics.accuracy(), CLASS],
      [() => metrics.foregroundAcc(), SEG],
      [() => metrics.skmToFlint(skm), CLASS],
      [() => new metrics.AvgLoss(), CLASS],
    ] as [() => M, Kind][]
  ).flatMap(([make, kind]) => [compute(make, kind), accumulate(make, kind)]),
  ...(
    [
      [() => new metrics.Dice(), SEG],
      [() => new metrics.DiceMulti(), SEG],
      [() => new metrics.JaccardCoeff(), SEG],
      [() => new metrics.JaccardCoeffMulti(), SEG],
      [() => new metrics.AvgLoss(), CLASS],
      [() => new metrics.Perplexity(), CLASS],
      [() => new metrics.AvgSmoothLoss(), CLASS],
      [() => new metrics.LossPartMetric('ce'), CLASS],
      [() => new metrics.AvgSmoothMetric(fn2), CLASS],
      [() => new metrics.ValueMetric(() => 1, 'v'), CLASS],
    ] as [() => M, Kind][]
  ).map(([make, kind]) => accumulate(make, kind, true)),
];

// Misuse cases for the `nn` namespace: every layer's and loss's constructor (sizes, each option) and its call
// with bad inputs, nn.init, clipGradNorm_, the loss-spec and reduction helpers. Constructors check everything
// before making a parameter, so a refused one leaks nothing; calls name the layer that was called.
import { nn, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const N = nn as unknown as Record<string, new (...a: Any[]) => Any>;

// values that are no count: every layer dimension refuses them
const BAD_COUNT: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'fractional',
  'BigInt',
  'string',
  'empty string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'scalar tensor',
];
// features and channels may be 0 (as in PyTorch); kernel sizes, strides, heads, groups and layer counts may not
const BAD_SIZE: HostileName[] = [...BAD_COUNT, 'zero'];
const BAD_PROB: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'huge',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_NUM: HostileName[] = ['null', 'NaN', 'Infinity', '-Infinity', 'BigInt', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_INPUT: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'disposed tensor'];
const BAD_DTYPE: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];
const BAD_DEVICE: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];
const BAD_REDUCTION: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];
const BAD_WEIGHT: HostileName[] = [
  'NaN',
  'zero',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'int64 tensor',
  'bool tensor',
];
const factory = { device: 'cpu', dtype: 'float32' };
const factoryRejects = (pos: number) => ({ [`${pos}.device`]: BAD_DEVICE, [`${pos}.dtype`]: BAD_DTYPE });

interface Layer {
  /** The class name in nn. */
  cls: string;
  /** Valid constructor arguments. */
  ctor: () => unknown[];
  /** Valid forward inputs (after the module). */
  input: () => unknown[];
  reject?: Record<string, readonly HostileName[]>;
  /** Inputs that must be refused, by forward position (0 = the first input). */
  inputReject?: Record<string, readonly HostileName[]>;
}

const randn = (...shape: number[]) => torch.randn(shape);
const longs = (rows: number[][]) => torch.tensor(rows, { dtype: 'int64' });

const LAYERS: Layer[] = [
  {
    cls: 'Linear',
    ctor: () => [3, 2, { bias: true, ...factory }],
    input: () => [randn(4, 3)],
    // huge: 1e12 features cannot fit in memory, refused naming Linear (issue 8: the error named 'empty')
    reject: { 0: [...BAD_COUNT, 'huge'], 1: [...BAD_COUNT, 'huge'], 2: BAD_OPTS, '2.bias': BAD_FLAG, ...factoryRejects(2) },
  },
  {
    cls: 'NonDynamicallyQuantizableLinear',
    ctor: () => [3, 2, { bias: true, ...factory }],
    input: () => [randn(4, 3)],
    reject: { 0: BAD_COUNT, 1: BAD_COUNT },
  },
  {
    cls: 'Bilinear',
    ctor: () => [3, 4, 2, { bias: true, ...factory }],
    input: () => [randn(5, 3), randn(5, 4)],
    reject: { 0: BAD_SIZE, 1: BAD_COUNT, 2: BAD_COUNT, '3.bias': BAD_FLAG, ...factoryRejects(3) },
  },
  {
    cls: 'Conv1d',
    ctor: () => [2, 4, 3, { stride: 1, padding: 1, dilation: 1, groups: 1, bias: true, ...factory }],
    input: () => [randn(1, 2, 8)],
    reject: {
      0: BAD_COUNT,
      1: BAD_COUNT,
      2: BAD_SIZE,
      '3.stride': BAD_SIZE,
      '3.dilation': BAD_SIZE,
      '3.groups': BAD_SIZE,
      '3.bias': BAD_FLAG,
      '3.padding': ['null', 'NaN', 'negative', 'fractional', 'string', 'symbol', 'object', 'array'],
      ...factoryRejects(3),
    },
  },
  {
    cls: 'Conv2d',
    ctor: () => [2, 4, 3, { stride: 1, padding: 1, dilation: 1, groups: 2, bias: true, ...factory }],
    input: () => [randn(1, 2, 6, 6)],
    reject: {
      0: BAD_COUNT,
      1: BAD_COUNT,
      2: BAD_SIZE,
      '3.stride': BAD_SIZE,
      '3.dilation': BAD_SIZE,
      '3.groups': BAD_SIZE,
      '3.bias': BAD_FLAG,
      '3.padding': ['null', 'NaN', 'negative', 'fractional', 'string', 'symbol', 'object', 'array'],
      ...factoryRejects(3),
    },
    inputReject: { 0: BAD_INPUT },
  },
  {
    cls: 'ConvTranspose2d',
    ctor: () => [2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 1, bias: true, ...factory }],
    input: () => [randn(1, 2, 5, 5)],
    reject: {
      0: BAD_COUNT,
      1: BAD_COUNT,
      2: BAD_SIZE,
      '3.stride': BAD_SIZE,
      '3.outputPadding': ['null', 'NaN', 'negative', 'huge', 'string'],
      '3.padding': ['null', 'NaN', 'negative', 'string'],
      ...factoryRejects(3),
    },
  },
  {
    cls: 'BatchNorm1d',
    ctor: () => [3, { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true, ...factory }],
    input: () => [randn(4, 3)],
    reject: {
      0: BAD_COUNT,
      '1.eps': BAD_NUM,
      '1.momentum': ['NaN', 'Infinity', 'negative', 'huge', 'string', 'BigInt'],
      '1.affine': BAD_FLAG,
      '1.trackRunningStats': BAD_FLAG,
      ...factoryRejects(1),
    },
  },
  {
    cls: 'BatchNorm2d',
    ctor: () => [3, { eps: 1e-5, momentum: null, affine: true, trackRunningStats: true, ...factory }],
    input: () => [randn(2, 3, 4, 4)],
    reject: { 0: BAD_COUNT, '1.eps': BAD_NUM, '1.momentum': ['NaN', 'negative', 'string'] },
    inputReject: { 0: BAD_INPUT },
  },
  {
    cls: 'InstanceNorm2d',
    ctor: () => [3, { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true, ...factory }],
    input: () => [randn(2, 3, 4, 4)],
    reject: { 0: BAD_COUNT, '1.eps': BAD_NUM, '1.momentum': ['NaN', 'negative', 'string'] },
  },
  {
    cls: 'LayerNorm',
    ctor: () => [[4], { eps: 1e-5, elementwiseAffine: true, bias: true, ...factory }],
    input: () => [randn(2, 4)],
    reject: { 0: BAD_COUNT, '1.eps': BAD_NUM, '1.elementwiseAffine': BAD_FLAG, '1.bias': BAD_FLAG },
  },
  {
    cls: 'GroupNorm',
    ctor: () => [2, 4, { eps: 1e-5, affine: true, ...factory }],
    input: () => [randn(2, 4, 3)],
    reject: { 0: BAD_SIZE, 1: BAD_COUNT, '2.eps': BAD_NUM, '2.affine': BAD_FLAG },
  },
  { cls: 'Dropout', ctor: () => [0.5], input: () => [randn(4, 3)], reject: { 0: [...BAD_PROB, 'bool tensor'] }, inputReject: { 0: BAD_INPUT } },
  { cls: 'Dropout2d', ctor: () => [0.5], input: () => [randn(2, 3, 4, 4)], reject: { 0: BAD_PROB } },
  {
    cls: 'Embedding',
    ctor: () => [10, 3, { paddingIdx: 0, ...factory }],
    input: () => [longs([[1, 2]])],
    reject: { 0: BAD_COUNT, 1: BAD_COUNT, '2.paddingIdx': ['NaN', 'huge', 'fractional', 'string', 'BigInt'] },
  },
  {
    cls: 'EmbeddingBag',
    ctor: () => [10, 3, { mode: 'mean', paddingIdx: 0, ...factory }],
    input: () => [
      longs([
        [1, 2],
        [3, 4],
      ]),
      null,
      null,
    ],
    reject: { 0: BAD_COUNT, 1: BAD_COUNT, '2.mode': BAD_REDUCTION },
  },
  { cls: 'ReLU', ctor: () => [], input: () => [randn(4, 3)], inputReject: { 0: BAD_INPUT } },
  { cls: 'LeakyReLU', ctor: () => [0.01], input: () => [randn(4, 3)], reject: { 0: BAD_NUM } },
  { cls: 'SigmoidRange', ctor: () => [0, 5.5], input: () => [randn(4, 3)], reject: { 0: BAD_NUM, 1: BAD_NUM } },
  { cls: 'GELU', ctor: () => ['none'], input: () => [randn(4, 3)], reject: { 0: BAD_REDUCTION } },
  { cls: 'SiLU', ctor: () => [], input: () => [randn(4, 3)] },
  { cls: 'Mish', ctor: () => [], input: () => [randn(4, 3)] },
  { cls: 'Sigmoid', ctor: () => [], input: () => [randn(4, 3)] },
  { cls: 'Tanh', ctor: () => [], input: () => [randn(4, 3)] },
  { cls: 'Hardswish', ctor: () => [], input: () => [randn(4, 3)] },
  { cls: 'Softmax', ctor: () => [1], input: () => [randn(4, 3)], reject: { 0: ['null', 'undefined', 'NaN', 'fractional', 'string'] } },
  { cls: 'LogSoftmax', ctor: () => [1], input: () => [randn(4, 3)], reject: { 0: ['null', 'undefined', 'NaN', 'fractional', 'string'] } },
  {
    cls: 'MaxPool2d',
    ctor: () => [2, { stride: 2, padding: 1, dilation: 1, ceilMode: false }],
    input: () => [randn(1, 1, 4, 4)],
    reject: {
      0: BAD_SIZE,
      '1.stride': ['NaN', 'zero', 'negative', 'string'],
      '1.padding': ['null', 'NaN', 'negative', 'huge'],
      '1.ceilMode': BAD_FLAG,
    },
  },
  {
    cls: 'AvgPool2d',
    ctor: () => [2, { stride: 2, padding: 1, ceilMode: false, countIncludePad: true }],
    input: () => [randn(1, 1, 4, 4)],
    reject: { 0: BAD_SIZE, '1.padding': ['null', 'NaN', 'negative', 'huge'], '1.countIncludePad': BAD_FLAG },
  },
  { cls: 'AdaptiveAvgPool2d', ctor: () => [1], input: () => [randn(1, 2, 4, 4)], reject: { 0: BAD_COUNT } },
  { cls: 'AdaptiveMaxPool2d', ctor: () => [[2, 2]], input: () => [randn(1, 2, 4, 4)], reject: { 0: BAD_COUNT } },
  { cls: 'AdaptiveConcatPool2d', ctor: () => [1], input: () => [randn(1, 2, 4, 4)], reject: { 0: BAD_COUNT } },
  {
    cls: 'Flatten',
    ctor: () => [1, -1],
    input: () => [randn(2, 3, 4)],
    reject: { 0: ['null', 'NaN', 'fractional', 'string'], 1: ['null', 'NaN', 'string'] },
  },
  {
    cls: 'Unflatten',
    ctor: () => [1, [2, 3]],
    input: () => [randn(4, 6)],
    reject: { 0: ['null', 'NaN', 'string'], 1: ['null', 'NaN', 'string', 'array', 'object'] },
  },
  { cls: 'Identity', ctor: () => [], input: () => [randn(4, 3)] },
  {
    cls: 'LSTM',
    ctor: () => [3, 4, { numLayers: 2, bias: true, batchFirst: false, dropout: 0.1, bidirectional: true, ...factory }],
    input: () => [randn(5, 2, 3), [torch.zeros([4, 2, 4]), torch.zeros([4, 2, 4])]],
    reject: {
      0: BAD_COUNT,
      1: BAD_SIZE,
      '2.numLayers': BAD_SIZE,
      '2.dropout': BAD_PROB,
      '2.bias': BAD_FLAG,
      '2.batchFirst': BAD_FLAG,
      '2.bidirectional': BAD_FLAG,
    },
    inputReject: { 0: BAD_INPUT, 1: ['NaN', 'string', 'object', 'array', 'function', 'disposed tensor', 'scalar tensor', 'float64 tensor'] },
  },
  {
    cls: 'GRU',
    ctor: () => [3, 4, { numLayers: 1, bias: true, batchFirst: true, dropout: 0, bidirectional: false, ...factory }],
    input: () => [randn(2, 5, 3), torch.zeros([1, 2, 4])],
    reject: { 0: BAD_COUNT, 1: BAD_SIZE, '2.numLayers': BAD_SIZE },
    inputReject: { 1: ['NaN', 'string', 'object', 'array', 'disposed tensor', 'scalar tensor'] },
  },
  {
    cls: 'MultiheadAttention',
    ctor: () => [4, 2, { dropout: 0, bias: true, batchFirst: false, ...factory }],
    input: () => [
      randn(3, 2, 4),
      randn(5, 2, 4),
      randn(5, 2, 4),
      {
        keyPaddingMask: torch.zeros([2, 5], { dtype: 'bool' }),
        attnMask: torch.zeros([3, 5], { dtype: 'bool' }),
        needWeights: true,
        averageAttnWeights: true,
      },
    ],
    reject: { 0: BAD_SIZE, 1: BAD_SIZE, '2.dropout': BAD_PROB, '2.bias': BAD_FLAG },
    inputReject: {
      0: BAD_INPUT,
      1: BAD_INPUT,
      2: BAD_INPUT,
      3: BAD_OPTS,
      '3.keyPaddingMask': ['NaN', 'string', 'object', 'disposed tensor', 'int64 tensor', 'bool tensor', 'float64 tensor', 'scalar tensor'],
      '3.attnMask': ['NaN', 'string', 'object', 'disposed tensor', 'int64 tensor', 'bool tensor', 'float64 tensor', 'scalar tensor'],
      '3.needWeights': BAD_FLAG,
      '3.averageAttnWeights': BAD_FLAG,
    },
  },
  {
    cls: 'TransformerEncoderLayer',
    ctor: () => [4, 2, { dimFeedforward: 8, dropout: 0.1, activation: 'relu', layerNormEps: 1e-5, batchFirst: true, normFirst: false, ...factory }],
    input: () => [randn(2, 3, 4), { srcMask: torch.zeros([3, 3], { dtype: 'bool' }), srcKeyPaddingMask: torch.zeros([2, 3], { dtype: 'bool' }) }],
    reject: {
      0: BAD_SIZE,
      1: BAD_SIZE,
      '2.dimFeedforward': BAD_COUNT,
      '2.dropout': BAD_PROB,
      '2.activation': BAD_REDUCTION,
      '2.layerNormEps': BAD_NUM,
      '2.batchFirst': BAD_FLAG,
      '2.normFirst': BAD_FLAG,
    },
    inputReject: { 0: BAD_INPUT, 1: BAD_OPTS, '1.srcMask': ['NaN', 'string', 'disposed tensor', 'int64 tensor', 'scalar tensor'] },
  },
];

const input2 = () => [randn(4, 3), torch.tensor([0, 2, 1, 0], { dtype: 'int64' })];
const regression = () => [randn(4, 3), randn(4, 3)];
const probs = () => [torch.rand([4, 3]), torch.rand([4, 3])];
const LOSSES: Layer[] = [
  {
    cls: 'CrossEntropyLoss',
    ctor: () => [{ weight: torch.ones([3]), ignoreIndex: -100, reduction: 'mean', labelSmoothing: 0.1 }],
    input: input2,
    reject: {
      0: BAD_OPTS,
      '0.weight': BAD_WEIGHT,
      '0.ignoreIndex': ['NaN', 'fractional', 'string', 'Infinity', 'BigInt'],
      '0.reduction': BAD_REDUCTION,
      '0.labelSmoothing': BAD_PROB,
    },
    inputReject: { 0: BAD_INPUT, 1: BAD_INPUT },
  },
  {
    cls: 'NLLLoss',
    ctor: () => [{ weight: torch.ones([3]), ignoreIndex: -100, reduction: 'sum' }],
    input: input2,
    reject: { '0.weight': BAD_WEIGHT, '0.reduction': BAD_REDUCTION },
  },
  { cls: 'MSELoss', ctor: () => [{ reduction: 'mean' }], input: regression, reject: { 0: BAD_OPTS, '0.reduction': BAD_REDUCTION } },
  { cls: 'L1Loss', ctor: () => [{ reduction: 'none' }], input: regression, reject: { '0.reduction': BAD_REDUCTION } },
  { cls: 'SmoothL1Loss', ctor: () => [{ reduction: 'mean', beta: 1 }], input: regression, reject: { '0.beta': [...BAD_NUM, 'negative'] } },
  { cls: 'HuberLoss', ctor: () => [{ reduction: 'mean', delta: 1 }], input: regression, reject: { '0.delta': [...BAD_NUM, 'negative', 'zero'] } },
  { cls: 'BCELoss', ctor: () => [{ weight: torch.ones([3]), reduction: 'mean' }], input: probs, reject: { '0.weight': BAD_WEIGHT } },
  {
    cls: 'BCEWithLogitsLoss',
    ctor: () => [{ weight: torch.ones([3]), posWeight: torch.ones([3]), reduction: 'mean' }],
    input: probs,
    reject: { '0.weight': BAD_WEIGHT, '0.posWeight': BAD_WEIGHT },
  },
  {
    cls: 'KLDivLoss',
    ctor: () => [{ reduction: 'batchmean', logTarget: false }],
    input: probs,
    reject: { '0.reduction': BAD_REDUCTION, '0.logTarget': BAD_FLAG },
  },
  {
    cls: 'CrossEntropyLossFlat',
    ctor: () => [{ axis: -1, flatten: true, weight: null, ignoreIndex: -100, reduction: 'mean', labelSmoothing: 0 }],
    input: input2,
    reject: { '0.axis': ['NaN', 'fractional', 'string'], '0.flatten': BAD_FLAG, '0.reduction': BAD_REDUCTION, '0.labelSmoothing': BAD_PROB },
  },
  {
    cls: 'BCEWithLogitsLossFlat',
    ctor: () => [{ axis: -1, flatten: true, floatify: true, thresh: 0.5, weight: null, posWeight: null, reduction: 'mean' }],
    input: probs,
    reject: { '0.thresh': BAD_NUM, '0.floatify': BAD_FLAG, '0.posWeight': BAD_WEIGHT },
  },
  {
    cls: 'MSELossFlat',
    ctor: () => [{ axis: -1, flatten: true, floatify: true, reduction: 'mean' }],
    input: regression,
    reject: { '0.axis': ['NaN', 'string'], '0.reduction': BAD_REDUCTION },
  },
];

/** Shifts 'i' and 'i.key' labels by one position (forward cases put the module first). */
function shift(r: Record<string, readonly HostileName[]> | undefined): Record<string, readonly HostileName[]> | undefined {
  if (!r) return undefined;
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => {
      const [pos, ...rest] = k.split('.');
      return [[Number(pos) + 1, ...rest].join('.'), v];
    }),
  );
}

function layerCases(l: Layer): Case[] {
  const Cls = N[l.cls]!;
  return [
    { name: `nn.${l.cls}`, args: l.ctor, call: (...a) => new Cls(...a), mustReject: l.reject },
    // the module at position 0 is made fresh for each call and not poisoned; its inputs are
    {
      name: `nn.${l.cls}.call`,
      word: l.cls,
      args: () => [new Cls(...l.ctor()), ...l.input()],
      skipArgs: [0],
      call: (m, ...a) => (m as Any).call(...a),
      mustReject: shift(l.inputReject),
    },
  ];
}

class Custom extends nn.Module {
  lin = this.registerModule('lin', new nn.Linear(3, 2));
  forward(x: torch.Tensor) {
    return this.lin.call(x);
  }
}
const containers: Case[] = [
  { name: 'nn.Module', args: () => [], call: () => new Custom() },
  {
    name: 'nn.Sequential',
    args: () => [new nn.Linear(3, 2), new nn.ReLU()],
    call: (...a) => new nn.Sequential(...(a as Any[])),
    mustReject: { 0: BAD_INPUT, 1: BAD_INPUT },
  },
  {
    name: 'nn.Sequential.call',
    word: 'Sequential',
    args: () => [new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU()), randn(4, 3)],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
    mustReject: { 1: BAD_INPUT },
  },
  {
    name: 'Sequential.append',
    args: () => [new nn.Sequential(), new nn.ReLU()],
    skipArgs: [0],
    call: (m, x) => (m as Any).append(x),
    mustReject: { 1: BAD_INPUT },
  },
  {
    name: 'Sequential.at',
    args: () => [new nn.Sequential(new nn.ReLU()), 0],
    skipArgs: [0],
    call: (m, i) => (m as Any).at(i),
    mustReject: { 1: ['null', 'NaN', 'huge', 'fractional', 'string', 'BigInt'] },
  },
  {
    name: 'nn.ModuleList',
    args: () => [[new nn.ReLU()]],
    call: (a) => new nn.ModuleList(a as Any),
    mustReject: { 0: ['null', 'NaN', 'string', 'object', 'array'] },
  },
  {
    name: 'nn.ModuleList.call',
    word: 'ModuleList',
    args: () => [new nn.ModuleList([new nn.ReLU()]), randn(2)],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
  },
  {
    name: 'nn.ModuleDict',
    args: () => [{ a: new nn.ReLU() }],
    call: (a) => new nn.ModuleDict(a as Any),
    mustReject: { 0: ['null', 'NaN', 'string', 'array'], '0.a': BAD_INPUT },
  },
  {
    name: 'nn.ModuleDict.call',
    word: 'ModuleDict',
    args: () => [new nn.ModuleDict({ a: new nn.ReLU() }), randn(2)],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
  },
  {
    name: 'ModuleDict.get',
    args: () => [new nn.ModuleDict({ a: new nn.ReLU() }), 'a'],
    skipArgs: [0],
    call: (m, k) => (m as Any).get(k),
    mustReject: { 1: ['null', 'NaN', 'string', 'symbol', 'object'] },
  },
  {
    name: 'nn.MultiLoss',
    args: () => [
      { ce: new nn.CrossEntropyLoss(), l1: (p: torch.Tensor) => p.mean() },
      { ce: 1, l1: 0.5 },
    ],
    call: (p, w) => new nn.MultiLoss(p as Any, w as Any),
    mustReject: {
      0: ['null', 'NaN', 'string', 'array', 'function'],
      '0.ce': ['null', 'NaN', 'string', 'object'],
      '1.ce': BAD_NUM,
      1: ['null', 'NaN', 'string', 'array'],
    },
  },
  {
    name: 'nn.MultiLoss.call',
    word: 'MultiLoss',
    args: () => [new nn.MultiLoss({ ce: new nn.CrossEntropyLoss(), l1: (p: torch.Tensor) => p.mean() }), ...input2()],
    skipArgs: [0],
    call: (m, p, t) => (m as Any).call(p, t),
    mustReject: { 1: BAD_INPUT, 2: BAD_INPUT },
  },
];

const flatMethods: Case[] = ['CrossEntropyLossFlat', 'BCEWithLogitsLossFlat', 'MSELossFlat'].flatMap((cls) =>
  ['activation', 'decodes'].map(
    (m): Case => ({
      name: `${cls}.${m}`,
      args: () => [new N[cls]!(), randn(4, 3)],
      skipArgs: [0],
      call: (l, x) => (l as Any)[m](x),
      mustReject: { 1: BAD_INPUT },
    }),
  ),
);

const w = () => torch.empty([4, 3]);
const BAD_T: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'disposed tensor'];
const init: Case[] = [
  {
    name: 'nn.init.uniform_',
    args: () => [w(), -1, 1],
    call: (t, a, b) => nn.init.uniform_(t as Any, a as Any, b as Any),
    mustReject: { 0: [...BAD_T, 'int64 tensor', 'bool tensor'], 1: BAD_NUM, 2: [...BAD_NUM, 'negative'] },
  },
  {
    name: 'nn.init.normal_',
    args: () => [w(), 0, 1],
    call: (t, m, s) => nn.init.normal_(t as Any, m as Any, s as Any),
    mustReject: { 0: [...BAD_T, 'int64 tensor'], 1: BAD_NUM, 2: [...BAD_NUM, 'negative'] },
  },
  {
    name: 'nn.init.constant_',
    args: () => [w(), 0.5],
    call: (t, v) => nn.init.constant_(t as Any, v as Any),
    mustReject: { 0: BAD_T, 1: ['NaN', 'string', 'null'] },
  },
  { name: 'nn.init.zeros_', args: () => [w()], call: (t) => nn.init.zeros_(t as Any), mustReject: { 0: BAD_T } },
  { name: 'nn.init.ones_', args: () => [w()], call: (t) => nn.init.ones_(t as Any), mustReject: { 0: BAD_T } },
  {
    name: 'nn.init.kaimingUniform_',
    args: () => [w(), { a: 0, mode: 'fan_in', nonlinearity: 'relu' }],
    call: (t, o) => nn.init.kaimingUniform_(t as Any, o as Any),
    mustReject: {
      0: [...BAD_T, 'int64 tensor', 'scalar tensor'],
      1: BAD_OPTS,
      '1.a': BAD_NUM,
      '1.mode': BAD_REDUCTION,
      '1.nonlinearity': BAD_REDUCTION,
    },
  },
  {
    name: 'nn.init.kaimingNormal_',
    args: () => [w(), { a: 0, mode: 'fan_out', nonlinearity: 'leaky_relu' }],
    call: (t, o) => nn.init.kaimingNormal_(t as Any, o as Any),
    mustReject: { 0: [...BAD_T, 'int64 tensor'], '1.mode': BAD_REDUCTION },
  },
  {
    name: 'nn.init.xavierUniform_',
    args: () => [w(), 1],
    call: (t, g) => nn.init.xavierUniform_(t as Any, g as Any),
    mustReject: { 0: BAD_T, 1: ['NaN', 'string', 'Infinity'] },
  },
  {
    name: 'nn.init.xavierNormal_',
    args: () => [w(), 1],
    call: (t, g) => nn.init.xavierNormal_(t as Any, g as Any),
    mustReject: { 0: BAD_T, 1: ['NaN', 'string', 'negative'] },
  },
  {
    name: 'nn.init.truncNormal_',
    args: () => [w(), 0, 1, -2, 2],
    call: (t, m, s, a, b) => nn.init.truncNormal_(t as Any, m as Any, s as Any, a as Any, b as Any),
    mustReject: { 0: BAD_T, 1: BAD_NUM, 2: [...BAD_NUM, 'zero', 'negative'], 3: ['NaN', 'string', 'huge'], 4: ['NaN', 'string', 'negative'] },
  },
  {
    name: 'nn.init.orthogonal_',
    args: () => [w(), 1],
    call: (t, g) => nn.init.orthogonal_(t as Any, g as Any),
    mustReject: { 0: [...BAD_T, 'bool tensor'], 1: BAD_NUM },
  },
  {
    name: 'nn.init.calculateGain',
    args: () => ['leaky_relu', 0.2],
    call: (n, p) => nn.init.calculateGain(n as Any, p as Any),
    mustReject: { 0: BAD_REDUCTION, 1: ['NaN', 'string', 'object', 'Infinity'] },
  },
  {
    name: 'nn.init.calculateFanInAndFanOut',
    args: () => [w()],
    call: (t) => nn.init.calculateFanInAndFanOut(t as Any),
    mustReject: { 0: [...BAD_T, 'bool tensor', 'scalar tensor'] },
  },
];

// the gradient lives on in p (freed with it); the handle that set it is freed here
const withGrad = () => {
  const p = torch.randn([3]).requiresGrad_();
  const g = torch.ones([3]);
  p.grad = g;
  g.dispose();
  return p;
};
const helpers: Case[] = [
  {
    name: 'nn.clipGradNorm_',
    args: () => [[withGrad()], 1, 2],
    call: (p, m, n) => nn.clipGradNorm_(p as Any, m as Any, n as Any),
    mustReject: {
      0: ['null', 'NaN', 'string', 'object', 'array', 'scalar tensor'],
      1: [...BAD_NUM, 'negative'],
      2: ['NaN', 'zero', 'negative', 'string', 'null', '-Infinity'],
    },
  },
  {
    name: 'nn.withNoneReduce',
    args: () => [new nn.MSELoss(), 'test', () => 1],
    call: (l, what, f) => nn.withNoneReduce(l, what as Any, f as Any),
    mustReject: {
      0: ['null', 'NaN', 'string', 'object', 'array', 'function'],
      1: ['null', 'NaN', 'symbol', 'object'],
      2: ['null', 'NaN', 'string', 'object'],
    },
  },
  {
    name: 'nn.lossActivation',
    args: () => [new nn.CrossEntropyLossFlat()],
    call: (l) => nn.lossActivation(l as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'BigInt'] },
  },
  {
    name: 'nn.lossDecodes',
    args: () => [new nn.CrossEntropyLossFlat()],
    call: (l) => nn.lossDecodes(l as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'BigInt'] },
  },
  { name: 'nn.reductionHolder', args: () => [new nn.MSELoss()], call: (l) => nn.reductionHolder(l) },
  { name: 'nn.lossSpec', args: () => [new nn.CrossEntropyLossFlat({ labelSmoothing: 0.1 })], call: (l) => nn.lossSpec(l) },
  {
    name: 'nn.lossFromSpec',
    args: () => [{ name: 'CrossEntropyLoss', options: { reduction: 'mean', labelSmoothing: 0.1 } }, { weight: torch.ones([3]) }],
    call: (s, t) => nn.lossFromSpec(s as Any, t as Any),
    mustReject: {
      0: BAD_OPTS,
      '0.name': BAD_REDUCTION,
      '0.options': ['NaN', 'string', 'array'],
      1: ['NaN', 'string', 'array'],
      '1.weight': BAD_WEIGHT,
    },
  },
];

export const cases: Case[] = [...LAYERS.flatMap(layerCases), ...LOSSES.flatMap(layerCases), ...containers, ...flatMethods, ...init, ...helpers];

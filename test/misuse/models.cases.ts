// Misuse cases for the `models` namespace: the registry (createModel, registerModel, modelSpec,
// registeredModels) and the built-in architectures with each of their arguments. A huge size fails before or
// while allocating, frees the layers already made, and names the model.
import { models, nn, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BAD_SIZE: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
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
const BAD_LIST: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_ARGS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_PROB: HostileName[] = ['null', 'NaN', 'Infinity', 'negative', 'huge', 'BigInt', 'string', 'symbol', 'object', 'array'];

export const cases: Case[] = [
  {
    name: 'models.createModel',
    args: () => ['mlp', { nIn: 4, nOut: 2, hidden: [8] }],
    call: (n, a) => models.createModel(n as Any, a as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'empty string', 'symbol', 'object', 'array'],
      1: ['null', 'NaN', 'string', 'array', 'function'],
      '1.nIn': BAD_SIZE,
      '1.nOut': BAD_SIZE,
      '1.hidden': BAD_LIST,
    },
  },
  {
    name: 'models.registerModel',
    args: () => ['misuse-model', () => new nn.ReLU()],
    call: (n, f) => models.registerModel(n as Any, f as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'empty string', 'symbol', 'object', 'array'],
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array'],
    },
  },
  { name: 'models.registeredModels', args: () => [], call: () => models.registeredModels() },
  {
    name: 'models.modelSpec',
    args: () => [models.createModel('mlp', { nIn: 2, nOut: 1, hidden: [] })],
    call: (m) => models.modelSpec(m as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor'] },
  },
  {
    name: 'models.mlp',
    args: () => [{ nIn: 4, nOut: 2, hidden: [8, 4] }],
    call: (a) => models.mlp(a as Any),
    mustReject: { 0: BAD_ARGS, '0.nIn': [...BAD_SIZE, 'huge'], '0.nOut': BAD_SIZE, '0.hidden': BAD_LIST },
  },
  {
    name: 'models.simpleCnn',
    args: () => [{ nIn: 1, nOut: 3, channels: [4, 8] }],
    call: (a) => models.simpleCnn(a as Any),
    mustReject: { 0: BAD_ARGS, '0.nIn': BAD_SIZE, '0.nOut': [...BAD_SIZE, 'huge'], '0.channels': BAD_LIST },
  },
  {
    name: 'models.TabularModel',
    args: () => [{ cardinalities: [3, 5], nCont: 2, nOut: 2, layers: [8, 4], ps: 0.1, embedP: 0.1, yRange: null }],
    call: (a) => new models.TabularModel(a as Any),
    mustReject: {
      0: BAD_ARGS,
      '0.cardinalities': BAD_LIST,
      '0.nCont': ['null', 'NaN', 'negative', 'fractional', 'string'],
      '0.nOut': [...BAD_SIZE, 'huge'],
      '0.layers': BAD_LIST,
      '0.ps': BAD_PROB,
      '0.embedP': BAD_PROB,
      '0.yRange': ['NaN', 'zero', 'string', 'object', 'array', 'function'],
    },
  },
  {
    name: 'models.TabularModel.call',
    word: 'TabularModel',
    // two inputs: the category codes (integers [N, nCat]) and the continuous columns (floats [N, nCont])
    args: () => [
      new models.TabularModel({ cardinalities: [3], nCont: 1, nOut: 2, layers: [4] }),
      torch.tensor([[1], [2]], { dtype: 'int64' }),
      torch.tensor([[0.5], [-0.5]]),
    ],
    skipArgs: [0],
    call: (m, xCat, xCont) => (m as Any).call(xCat, xCont),
    mustReject: {
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor', 'scalar tensor', 'float64 tensor', 'bool tensor'],
      2: [
        'null',
        'undefined',
        'NaN',
        'string',
        'object',
        'array',
        'disposed tensor',
        'scalar tensor',
        'float64 tensor',
        'int64 tensor',
        'bool tensor',
      ],
    },
  },
  {
    name: 'models.EmbeddingDotBias',
    args: () => [{ nFactors: 4, nUsers: 5, nItems: 6, yRange: [0, 5.5] }],
    call: (a) => new models.EmbeddingDotBias(a as Any),
    mustReject: {
      0: BAD_ARGS,
      '0.nFactors': BAD_SIZE,
      '0.nUsers': [...BAD_SIZE, 'undefined'],
      '0.nItems': [...BAD_SIZE, 'undefined'],
      '0.yRange': ['NaN', 'zero', 'string', 'object', 'array', 'function'],
    },
  },
  {
    name: 'models.EmbeddingDotBias.call',
    word: 'EmbeddingDotBias',
    args: () => [
      new models.EmbeddingDotBias({ nFactors: 4, nUsers: 5, nItems: 6 }),
      torch.tensor(
        [
          [1, 2],
          [4, 5],
        ],
        { dtype: 'int64' },
      ),
    ],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
    mustReject: {
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor', 'scalar tensor', 'float64 tensor', 'int64 tensor'],
    },
  },
  {
    name: 'models.EmbeddingNN',
    args: () => [
      {
        embSzs: [
          [5, 3],
          [6, 4],
        ],
        layers: [8],
        ps: 0.1,
        embedP: 0.1,
        yRange: [0, 5.5],
      },
    ],
    call: (a) => new models.EmbeddingNN(a as Any),
    mustReject: {
      0: BAD_ARGS,
      '0.embSzs': ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'],
      '0.layers': BAD_LIST,
      '0.ps': BAD_PROB,
      '0.embedP': BAD_PROB,
      '0.yRange': ['NaN', 'zero', 'string', 'object', 'array', 'function'],
    },
  },
  {
    name: 'models.embSzRule',
    args: () => [10],
    call: (n) => models.embSzRule(n as Any),
    mustReject: { 0: ['null', 'NaN', 'negative', 'string', 'Infinity'] },
  },
];

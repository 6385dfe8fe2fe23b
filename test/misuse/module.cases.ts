// Misuse cases for nn.Module's methods (registration, traversal, modes, moving, state dicts, call), each on a
// fresh module that is not itself poisoned.
import { nn, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'bool tensor'];
const BAD_NAME: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'zero',
  'empty string',
  'BigInt',
  'symbol',
  'object',
  'array',
  'function',
  'scalar tensor',
];
const BAD_TENSOR: HostileName[] = ['undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'disposed tensor'];

class Net extends nn.Module {
  body = this.registerModule('body', new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4)));
  head = this.registerModule('head', new nn.Linear(4, 2));
  forward(x: torch.Tensor) {
    return this.head.call(this.body.call(x));
  }
}
class Empty extends nn.Module {
  forward(x: torch.Tensor) {
    return x;
  }
}
const method = (name: string, args: () => unknown[], extra: Partial<Case> = {}): Case => ({
  name: `Module.${name}`,
  args: () => [new Net(), ...args()],
  skipArgs: [0],
  call: (m, ...a) => (m as Any)[name](...a),
  ...extra,
});

export const cases: Case[] = [
  // hooks: registered, then removed so nothing outlives the case (what a hook does when called is module.test's)
  {
    name: 'Module.registerForwardPreHook',
    args: () => [new nn.Linear(3, 2), () => undefined],
    skipArgs: [0],
    call: (m, h) => (m as Any).registerForwardPreHook(h).remove(),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'int64 tensor'] },
  },
  {
    name: 'Module.registerForwardHook',
    args: () => [new nn.Linear(3, 2), () => undefined],
    skipArgs: [0],
    call: (m, h) => (m as Any).registerForwardHook(h).remove(),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'int64 tensor'] },
  },
  {
    name: 'Module.registerParameter',
    args: () => [new Empty(), 'w', torch.zeros([2])],
    skipArgs: [0],
    call: (m, n, t) => (m as Any).registerParameter(n, t),
    mustReject: { 1: BAD_NAME, 2: [...BAD_TENSOR, 'int64 tensor', 'bool tensor'] },
  },
  {
    name: 'Module.registerBuffer',
    args: () => [new Empty(), 'b', torch.zeros([2]), { persistent: true }],
    skipArgs: [0],
    call: (m, n, t, o) => (m as Any).registerBuffer(n, t, o),
    mustReject: { 1: BAD_NAME, 2: BAD_TENSOR, 3: ['null', 'NaN', 'string', 'array'], '3.persistent': BAD_FLAG },
  },
  {
    name: 'Module.registerModule',
    args: () => [new Empty(), 'sub', new nn.ReLU()],
    skipArgs: [0],
    call: (m, n, c) => (m as Any).registerModule(n, c),
    mustReject: { 1: BAD_NAME, 2: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'disposed tensor'] },
  },
  method('namedChildren', () => []),
  method('children', () => []),
  method('namedModules', () => ['', new Set()], {
    mustReject: { 1: ['null', 'NaN', 'zero', 'symbol', 'object'], 2: ['null', 'NaN', 'string', 'object', 'array'] },
  }),
  method('modules', () => []),
  method('namedParameters', () => [true], { mustReject: { 1: BAD_FLAG } }),
  method('parameters', () => [true], { mustReject: { 1: BAD_FLAG } }),
  method('namedBuffers', () => [false], { mustReject: { 1: BAD_FLAG } }),
  method('buffers', () => [true], { mustReject: { 1: BAD_FLAG } }),
  method('train', () => [true], { mustReject: { 1: BAD_FLAG } }),
  method('eval', () => []),
  method('apply', () => [(m: nn.Module) => m.train()], { mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array'] } }),
  method('to', () => ['float64'], {
    mustReject: { 1: ['null', 'undefined', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'array', 'function', 'int64 tensor'] },
  }),
  method('to', () => [{ dtype: 'float32', device: 'cpu' }], {
    mustReject: { '1.dtype': ['null', 'NaN', 'string', 'object'], '1.device': ['null', 'NaN', 'string', 'empty string', 'object'] },
  }),
  method('zeroGrad', () => []),
  method('requiresGrad_', () => [false], { mustReject: { 1: BAD_FLAG } }),
  method('dispose', () => []),
  method('stateDict', () => []),
  {
    name: 'Module.loadStateDict',
    args: () => {
      const src = new Net();
      const sd = src.stateDict();
      src.dispose();
      return [new Net(), sd, { strict: true }];
    },
    skipArgs: [0],
    call: (m, d, o) => (m as Any).loadStateDict(d, o),
    mustReject: {
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'],
      2: ['null', 'NaN', 'string', 'array'],
      '1.body.0.weight': ['null', 'NaN', 'string', 'object', 'disposed tensor', 'scalar tensor'],
      '2.strict': BAD_FLAG,
    },
  },
  method('extraRepr', () => []),
  method('toString', () => []),
  // the error names the module that was called (and the layer inside it that failed)
  method('call', () => [torch.randn([5, 3])], {
    word: 'Net',
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor', 'int64 tensor', 'scalar tensor'] },
  }),
];

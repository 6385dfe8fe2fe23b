// Misuse cases for `optim`: every factory (parameters and each option; a learning rate of NaN, 'abc', -1 or
// Infinity is refused everywhere), every Optimizer method, Lookahead, ranger, GradScaler and the parameter
// selectors.
import { nn, optim, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BAD_LR: HostileName[] = [
  'null',
  'NaN',
  'string',
  'negative',
  'Infinity',
  '-Infinity',
  'BigInt',
  'symbol',
  'object',
  'array',
  'function',
  'scalar tensor',
];
// SGD's and RMSProp's momentum and RMSProp's alpha have no upper bound (as torch.optim); Adam's moments (betas) are below 1
const BAD_MOM: HostileName[] = BAD_LR;
const BAD_BETA: HostileName[] = [...BAD_LR, 'huge'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_PARAMS: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'zero',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'scalar tensor',
  'float64 tensor',
];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];

/** An optimizer with a way to free what it holds (its parameters and state), for the leak check. */
function owned(opt: optim.Optimizer): optim.Optimizer {
  return Object.assign(opt, {
    dispose() {
      opt.clearState();
      torch.dispose(opt.paramLists);
    },
  });
}
const param = () => {
  const p = torch.randn([3]).requiresGrad_();
  const g = torch.ones([3]);
  p.grad = g;
  g.dispose();
  return p;
};
const groups = () => [[param()], [param()]];

type Factory = (p: Any, o?: Any) => optim.Optimizer;
const FACTORIES: [string, Factory, Record<string, unknown>][] = [
  ['SGD', optim.SGD, { lr: 0.1, mom: 0.9, dampening: 0, wd: 0, decoupleWd: true, nesterov: true }],
  ['Adam', optim.Adam, { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01, decoupleWd: true }],
  ['AdamW', optim.AdamW, { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }],
  ['RAdam', optim.RAdam, { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0 }],
  ['RMSProp', optim.RMSProp, { lr: 1e-2, mom: 0.5, sqrMom: 0.99, eps: 1e-8, wd: 0 }],
  ['Lamb', optim.Lamb, { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0 }],
  ['ranger', optim.ranger, { lr: 1e-3, mom: 0.95, sqrMom: 0.99, eps: 1e-6, wd: 0.01, k: 6, alpha: 0.5 }],
];

const UNBOUNDED = ['SGD', 'RMSProp'];
const factoryCases: Case[] = FACTORIES.map(([name, make, o]) => ({
  name: `optim.${name}`,
  args: () => [groups(), { ...o }],
  call: (p, opts) => owned(make(p, opts)),
  mustReject: {
    0: BAD_PARAMS,
    1: BAD_OPTS,
    '1.lr': BAD_LR,
    '1.wd': BAD_LR,
    '1.mom': UNBOUNDED.includes(name) ? BAD_MOM : BAD_BETA,
    ...('eps' in o ? { '1.eps': BAD_LR } : {}),
    ...('sqrMom' in o ? { '1.sqrMom': UNBOUNDED.includes(name) ? BAD_MOM : BAD_BETA } : {}),
    ...('dampening' in o
      ? { '1.dampening': ['null', 'NaN', 'string', 'Infinity', '-Infinity', 'BigInt', 'symbol', 'object', 'array', 'function'] }
      : {}),
    ...('nesterov' in o ? { '1.nesterov': BAD_FLAG } : {}),
    ...('decoupleWd' in o ? { '1.decoupleWd': BAD_FLAG } : {}),
    ...('k' in o
      ? { '1.k': ['null', 'NaN', 'zero', 'negative', 'fractional', 'string'], '1.alpha': ['null', 'NaN', 'negative', 'huge', 'string'] }
      : {}),
  },
}));

/** A method of an optimizer made fresh for each call (not poisoned itself). */
const method = (name: string, args: () => unknown[], extra: Partial<Case> = {}, make: () => optim.Optimizer = () => optim.Adam(groups())): Case => ({
  name: `Optimizer.${name}`,
  args: () => [owned(make()), ...args()],
  skipArgs: [0],
  call: (o, ...a) => (o as Any)[name](...a),
  ...extra,
});
const group = () => {
  const p = param();
  return { params: [p], grads: [p.grad!], states: [{}], hyper: { lr: 0.1, wd: 0.01 } };
};
const BAD_GROUP: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'];

class Custom extends optim.Optimizer {
  protected update(): void {}
}

const optimizerCases: Case[] = [
  {
    name: 'optim.Optimizer',
    args: () => [groups(), { lr: 0.1 }, { decoupleWd: false }],
    call: (p, d, o) => owned(new Custom(p as Any, d as Any, o as Any)),
    mustReject: {
      0: BAD_PARAMS,
      1: ['null', 'NaN', 'string', 'array'],
      '1.lr': BAD_LR,
      2: ['null', 'NaN', 'string', 'array'],
      '2.decoupleWd': BAD_FLAG,
    },
  },
  {
    name: 'Optimizer.stateOf',
    args: () => {
      const p = param();
      return [owned(optim.SGD([p])), p];
    },
    skipArgs: [0],
    call: (o, p) => (o as Any).stateOf(p),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'disposed tensor', 'float64 tensor'] },
  },
  method('setHyper', () => ['lr', 1e-2], { mustReject: { 1: ['null', 'undefined', 'NaN', 'zero', 'empty string', 'symbol', 'object'], 2: BAD_LR } }),
  method('setHyper', () => ['lr', [1e-3, 1e-2]], { mustReject: { 2: BAD_LR } }),
  method('setHyper', () => ['lr', { start: 1e-4, stop: 1e-2 }], {
    mustReject: { '2.start': ['NaN', 'string', 'negative', 'Infinity'], '2.stop': ['NaN', 'string', 'negative', 'null', 'Infinity'] },
  }),
  method('setHypers', () => [{ lr: 1e-2, mom: 0.9 }], { mustReject: { 1: ['null', 'NaN', 'string', 'array'], '1.lr': BAD_LR, '1.mom': BAD_BETA } }),
  method('step', () => []),
  method('zeroGrad', () => []),
  method('freezeTo', () => [1], { mustReject: { 1: ['null', 'undefined', 'NaN', 'huge', 'fractional', 'string', 'BigInt', 'Infinity'] } }),
  method('freeze', () => []),
  method('unfreeze', () => []),
  method('setFlags', () => [[param()], { forceTrain: true, doWd: false }], {
    mustReject: {
      1: ['null', 'NaN', 'string', 'object', 'array', 'scalar tensor'],
      2: ['null', 'NaN', 'string', 'array'],
      '2.forceTrain': BAD_FLAG,
      '2.doWd': BAD_FLAG,
    },
  }),
  method('clearState', () => []),
  method('stateDict', () => []),
  {
    name: 'Optimizer.loadStateDict',
    args: () => {
      const opt = owned(optim.Adam(groups()));
      opt.step();
      const sd = opt.stateDict(); // clones, freed with the arguments
      (opt as Any).dispose();
      return [owned(optim.Adam(groups())), sd];
    },
    skipArgs: [0],
    call: (o, sd) => (o as Any).loadStateDict(sd),
    mustReject: {
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'scalar tensor'],
      '1.state': ['null', 'NaN', 'string', 'object', 'array'],
      '1.hypers': ['null', 'NaN', 'string', 'object', 'array'],
    },
  },
  method('buffers', () => [group(), 'avg'], { mustReject: { 1: BAD_GROUP, 2: ['null', 'NaN', 'symbol', 'object'] } }),
  method('steps', () => [group()], { mustReject: { 1: BAD_GROUP } }),
  method('weightDecay', () => [group()], { mustReject: { 1: BAD_GROUP } }),
];

const lookahead: Case[] = [
  {
    name: 'optim.Lookahead',
    args: () => [owned(optim.Adam(groups())), 6, 0.5],
    call: (i, k, a) => owned(new optim.Lookahead(i as Any, k as Any, a as Any)),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function'],
      1: ['null', 'NaN', 'zero', 'negative', 'fractional', 'string'],
      2: ['null', 'NaN', 'negative', 'huge', 'string'],
    },
  },
  method(
    'step',
    () => [],
    {},
    () => new optim.Lookahead(optim.SGD(groups()), 2, 0.5),
  ),
];

const model = () => new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
const BAD_MODEL: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'scalar tensor'];
const selectors: Case[] = [
  { name: 'optim.trainableParams', args: () => [model()], call: (m) => optim.trainableParams(m as Any), mustReject: { 0: BAD_MODEL } },
  {
    name: 'optim.normBiasParams',
    args: () => [model(), true],
    call: (m, b) => optim.normBiasParams(m as Any, b as Any),
    mustReject: { 0: BAD_MODEL, 1: BAD_FLAG },
  },
  {
    name: 'optim.markNormBias',
    args: () => {
      const m = model();
      return [owned(optim.Adam(m.parameters())), m, { trainBn: true, wdBnBias: false }];
    },
    call: (o, m, f) => optim.markNormBias(o as Any, m as Any, f as Any),
    mustReject: { 0: BAD_MODEL, 1: BAD_MODEL, 2: ['null', 'NaN', 'string', 'array'], '2.trainBn': BAD_FLAG, '2.wdBnBias': BAD_FLAG },
  },
  {
    name: 'optim.evenMults',
    args: () => [1e-4, 1e-2, 3],
    call: (a, b, n) => optim.evenMults(a as Any, b as Any, n as Any),
    mustReject: { 0: [...BAD_LR, 'zero'], 1: [...BAD_LR, 'zero'], 2: ['null', 'NaN', 'zero', 'negative', 'fractional', 'string', 'Infinity'] },
  },
];

/** A GradScaler, and a way to free its device state. */
const scaler = (o: Any = {}) => {
  const s = new optim.GradScaler(o);
  return Object.assign(s, {
    dispose() {
      s.reset();
    },
  });
};
const BAD_T: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'function', 'disposed tensor'];
const gradScaler: Case[] = [
  {
    name: 'optim.GradScaler',
    args: () => [{ initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, enabled: true }],
    call: (o) => scaler(o),
    mustReject: {
      0: ['null', 'NaN', 'string', 'array'],
      '0.initScale': [...BAD_LR, 'zero'],
      '0.growthFactor': [...BAD_LR, 'zero', 'fractional'],
      '0.backoffFactor': [...BAD_LR, 'zero', 'huge'],
      '0.growthInterval': [...BAD_LR, 'zero', 'fractional'],
      '0.enabled': BAD_FLAG,
    },
  },
  { name: 'GradScaler.scale', args: () => [scaler(), torch.tensor(2)], skipArgs: [0], call: (s, l) => (s as Any).scale(l), mustReject: { 1: BAD_T } },
  {
    name: 'GradScaler.unscale_',
    args: () => [scaler(), [param()]],
    skipArgs: [0],
    call: (s, p) => (s as Any).unscale_(p),
    mustReject: { 1: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'scalar tensor'] },
  },
  {
    name: 'GradScaler.update',
    args: () => {
      const s = scaler();
      const one = torch.tensor(1);
      s.scale(one).dispose();
      one.dispose();
      return [s, torch.tensor(0)];
    },
    skipArgs: [0],
    call: (s, f) => (s as Any).update(f),
    mustReject: { 1: BAD_T },
  },
  { name: 'GradScaler.getScale', args: () => [scaler()], skipArgs: [0], call: (s) => (s as Any).getScale() },
  { name: 'GradScaler.reset', args: () => [scaler()], skipArgs: [0], call: (s) => (s as Any).reset() },
];

export const cases: Case[] = [...factoryCases, ...optimizerCases, ...lookahead, ...selectors, ...gradScaler];

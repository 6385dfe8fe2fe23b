// Misuse cases for the hooks: Module.registerFullBackwardHook, fastai's Hook / Hooks / hookOutput(s) /
// dummyEval / modelSizes / HookCallback / ActivationStats (callbacks), and plot.heatmapSvg. Hooks made by a case
// are removed in it, so nothing outlives the call.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Learner, callbacks, data, nn, optim, plot, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-hooks-'));
const inDir = (f: unknown): unknown => (typeof f === 'string' && f !== '' && !isAbsolute(f) ? join(dir, f) : f);
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'bool tensor'];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const NOT_MODULE: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor', 'disposed tensor'];
const NOT_FUNCTION: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'int64 tensor'];
const NOT_MODULES: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor'];
const BAD_INDEX: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'fractional',
  'huge',
  'string',
  'BigInt',
  'object',
  'array',
  'scalar tensor',
];
const BAD_SIZE: HostileName[] = ['null', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor'];
const hookOpts = () => ({ isForward: true, detach: true, cpu: false });
const outOpts = () => ({ detach: true, cpu: false, grad: false });
const cbOpts = () => ({ modules: null, every: 2, removeEnd: true, isForward: true, detach: true, cpu: false, includeParamless: false });
const cbRejects = {
  0: BAD_OPTS,
  '0.modules': ['NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor'] as HostileName[],
  '0.every': ['NaN', 'Infinity', 'negative', 'zero', 'fractional', 'string', 'BigInt', 'object', 'array', 'scalar tensor'] as HostileName[],
  '0.removeEnd': BAD_FLAG,
  '0.isForward': BAD_FLAG,
  '0.detach': BAD_FLAG,
  '0.cpu': BAD_FLAG,
  '0.includeParamless': BAD_FLAG,
};

// one fitted ActivationStats (with histograms) for the reading and plotting methods, which change nothing
torch.manualSeed(0);
const dls = data.DataLoaders.fromTensors(torch.randn([16, 4]), torch.randint(0, 2, [16]), torch.randn([8, 4]), torch.randint(0, 2, [8]), {
  batchSize: 8,
  shuffle: false,
});
const learn = new Learner(dls, new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2)), {
  lossFunc: new nn.CrossEntropyLoss(),
  optFunc: (p, h) => optim.SGD(p, h),
  lr: 0.1,
});
learn.logger = () => {};
const act = new callbacks.ActivationStats({ withHist: true });
await learn.noBar(() => learn.fit(1, 0.1, { cbs: [act] }));

const cnn = () => new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU());

export const cases: Case[] = [
  {
    name: 'Module.registerFullBackwardHook',
    args: () => [new nn.Linear(3, 2), () => undefined],
    skipArgs: [0],
    call: (m, h) => (m as Any).registerFullBackwardHook(h).remove(),
    mustReject: { 1: NOT_FUNCTION },
  },
  {
    name: 'callbacks.Hook',
    args: () => [new nn.Linear(3, 2), () => undefined, hookOpts()],
    call: (m, f, o) => {
      new callbacks.Hook(m as Any, f as Any, o as Any).remove();
    },
    mustReject: { 0: NOT_MODULE, 1: NOT_FUNCTION, 2: BAD_OPTS, '2.isForward': BAD_FLAG, '2.detach': BAD_FLAG, '2.cpu': BAD_FLAG },
  },
  {
    name: 'Hook.remove',
    args: () => [new nn.Linear(3, 2)],
    skipArgs: [0],
    call: (m) => {
      const h = new callbacks.Hook(m as Any, () => 1);
      h.remove();
      h.remove();
    },
  },
  {
    name: 'callbacks.Hooks',
    args: () => [[new nn.ReLU(), new nn.ReLU()], () => undefined, hookOpts()],
    call: (ms, f, o) => {
      new callbacks.Hooks(ms as Any, f as Any, o as Any).remove();
    },
    mustReject: { 0: NOT_MODULES, 1: NOT_FUNCTION, 2: BAD_OPTS, '2.isForward': BAD_FLAG, '2.detach': BAD_FLAG, '2.cpu': BAD_FLAG },
  },
  {
    name: 'Hooks.at',
    args: () => [-1],
    call: (i) => {
      using hs = callbacks.hookOutputs([new nn.ReLU(), new nn.ReLU()]);
      return hs.at(i as number).removed;
    },
    mustReject: { 0: [...BAD_INDEX, 'negative'] },
  },
  {
    name: 'Hooks.remove',
    args: () => [[new nn.ReLU()]],
    skipArgs: [0],
    call: (ms) => {
      new callbacks.Hooks(ms as Any, () => 1).remove();
    },
  },
  {
    name: 'callbacks.hookOutput',
    args: () => [new nn.Linear(3, 2), outOpts()],
    call: (m, o) => {
      callbacks.hookOutput(m as Any, o as Any).remove();
    },
    mustReject: { 0: NOT_MODULE, 1: BAD_OPTS, '1.detach': BAD_FLAG, '1.cpu': BAD_FLAG, '1.grad': BAD_FLAG },
  },
  {
    name: 'callbacks.hookOutputs',
    args: () => [[new nn.ReLU()], outOpts()],
    call: (ms, o) => {
      callbacks.hookOutputs(ms as Any, o as Any).remove();
    },
    mustReject: { 0: NOT_MODULES, 1: BAD_OPTS, '1.detach': BAD_FLAG, '1.cpu': BAD_FLAG, '1.grad': BAD_FLAG },
  },
  {
    name: 'callbacks.dummyEval',
    args: () => [cnn(), [4, 4]],
    call: (m, s) => {
      callbacks.dummyEval(m as Any, s as Any);
    },
    mustReject: { 0: NOT_MODULE, 1: BAD_SIZE },
  },
  {
    name: 'callbacks.dummyEval',
    args: () => [6],
    call: (s) => {
      const m = cnn();
      try {
        callbacks.dummyEval(m, [s as number, 4]);
      } finally {
        m.dispose();
      }
    },
    mustReject: { 0: ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'string', 'BigInt', 'object', 'array'] },
  },
  {
    name: 'callbacks.modelSizes',
    args: () => [cnn(), [4, 4]],
    call: (m, s) => callbacks.modelSizes(m as Any, s as Any),
    mustReject: { 0: NOT_MODULE, 1: BAD_SIZE },
  },
  { name: 'callbacks.HookCallback', args: () => [cbOpts()], call: (o) => new callbacks.HookCallback(o as Any), mustReject: cbRejects },
  {
    name: 'callbacks.HookCallback',
    args: () => [[new nn.ReLU()]],
    call: (ms) => new callbacks.HookCallback({ modules: ms as Any }),
    mustReject: { 0: ['NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor'] },
  },
  {
    name: 'callbacks.ActivationStats',
    args: () => [{ ...cbOpts(), withHist: true }],
    call: (o) => new callbacks.ActivationStats(o as Any),
    mustReject: { ...cbRejects, '0.withHist': BAD_FLAG },
  },
  { name: 'ActivationStats.layerStats', args: () => [1], call: (i) => act.layerStats(i as number), mustReject: { 0: BAD_INDEX } },
  { name: 'ActivationStats.hist', args: () => [0], call: (i) => act.hist(i as number), mustReject: { 0: BAD_INDEX } },
  {
    name: 'ActivationStats.plotLayerStats',
    args: () => [0, { file: join(dir, 'stats') }],
    call: (i, o) =>
      act.plotLayerStats(
        i as number,
        o === null || typeof o !== 'object' || Array.isArray(o) ? (o as Any) : ({ ...o, file: inDir((o as Any).file) } as Any),
      ).length,
    mustReject: { 0: BAD_INDEX, 1: BAD_OPTS, '1.file': ['null', 'NaN', 'zero', 'empty string', 'object', 'array', 'function'] },
  },
  {
    name: 'ActivationStats.colorDim',
    args: () => [-1, { file: join(dir, 'colordim') }],
    call: (i, o) =>
      act.colorDim(
        i as number,
        o === null || typeof o !== 'object' || Array.isArray(o) ? (o as Any) : ({ ...o, file: inDir((o as Any).file) } as Any),
      ).length,
    mustReject: { 0: BAD_INDEX, 1: BAD_OPTS, '1.file': ['null', 'NaN', 'zero', 'empty string', 'object', 'array', 'function'] },
  },
  {
    name: 'plot.heatmapSvg',
    args: () => [
      [
        [1, 2, 3],
        [4, NaN, 6],
      ],
      { width: 60, height: 40, title: 'h' },
    ],
    call: (r, o) => plot.heatmapSvg(r as Any, o as Any).length,
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'scalar tensor'],
      1: BAD_OPTS,
      '1.width': ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'string', 'object'],
      '1.height': ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'string', 'object'],
      '1.title': ['null', 'NaN', 'zero', 'object', 'array', 'symbol'],
    },
  },
  {
    name: 'plot.heatmapSvg',
    args: () => [2],
    call: (v) =>
      plot.heatmapSvg([
        [1, v as number],
        [3, 4],
      ]).length,
    mustReject: { 0: ['null', 'undefined', 'string', 'object', 'array', 'BigInt', 'symbol'] },
  },
];

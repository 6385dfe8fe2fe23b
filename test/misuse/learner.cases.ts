// Misuse cases for the Learner: the constructor, every public method (fit and the scheduled fits, lrFind,
// validate, getPreds, predict, save/load/export, callbacks management) and loadLearner. Each call gets a fresh
// tiny learner (16 rows, batches of 4) with a callback that cancels a fit after 12 training batches, so a huge
// epoch count is accepted without running for ever. Learners keep their tensors by design: no leak check.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Callback,
  CancelFitException,
  Learner,
  callbacks,
  data,
  loadLearner,
  metrics,
  models,
  nn,
  optim,
  torch,
  type LearnerOptions,
} from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-learner-'));

/** Cancels a fit after 12 training batches (3 epochs), so nEpoch 1e12 ends. */
class Stop extends Callback {
  override afterBatch(): void {
    if (this.learn.training && this.learn.trainIter >= 12) throw new CancelFitException();
  }
}

function learner(o: LearnerOptions = {}): Learner {
  const dls = data.DataLoaders.fromTensors(torch.randn([16, 3]), torch.randint(0, 2, [16]), torch.randn([8, 3]), torch.randint(0, 2, [8]), {
    batchSize: 4,
  });
  const model = models.createModel('mlp', { nIn: 3, nOut: 2, hidden: [4] });
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), path: dir, cbs: [new Stop()], ...o });
  l.removeCb(callbacks.ProgressCallback);
  l.logger = () => {};
  return l;
}

// a checkpoint (with optimizer state) and an export for load and loadLearner
const base = learner();
base.createOpt();
base.save('base');
base.export(join(dir, 'base-export.safetensors'));

const ALL: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'fractional',
  'huge',
  'BigInt',
  'string',
  'empty string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'int64 tensor',
  'bool tensor',
  'float64 tensor',
  'scalar tensor',
];
const BAD_EPOCHS: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'fractional',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'scalar tensor',
];
const BAD_LR: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'scalar tensor',
];
// fit's lr arguments take null as fastai's lr=None (the default)
const BAD_FIT_LR: HostileName[] = BAD_LR.filter((v) => v !== 'null');
const BAD_POSITIVE: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'scalar tensor',
];
const BAD_PCT: HostileName[] = [
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
const BAD_WD: HostileName[] = ['NaN', 'Infinity', '-Infinity', 'negative', 'BigInt', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'object', 'function', 'symbol', 'array'];
const BAD_CBS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_FN: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'scalar tensor'];
const BAD_NAME: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_DL: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];

const fitOpts = () => ({ wd: 0.01, cbs: [] as Callback[], resetOpt: false, startEpoch: 0 });
const fitRejects = (i: number): Record<string, readonly HostileName[]> => ({
  [`${i}`]: BAD_OPTS,
  [`${i}.wd`]: BAD_WD,
  [`${i}.cbs`]: BAD_CBS,
  [`${i}.resetOpt`]: BAD_FLAG,
});
const m = (name: string, args: () => unknown[], call: (l: Learner, ...a: unknown[]) => unknown, extra: Partial<Case> = {}): Case => ({
  name: `Learner.${name}`,
  args: () => [learner(), ...args()],
  call: (l, ...a) => call(l as Learner, ...a),
  skipArgs: [0],
  leakCheck: false,
  ...extra,
});
type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

export const cases: Case[] = [
  // the training step's parts, called outside the loop (no batch, no loss, no optimizer): clear errors
  m(
    'showResults',
    () => [{ maxN: 2 }],
    (l, o) => l.showResults(o as Any),
    { mustReject: { '1.maxN': ['NaN', 'zero', 'negative', 'huge', 'string'], '1.dl': ['NaN', 'string', 'object'] } },
  ),
  m(
    'doPredict',
    () => [],
    (l) => l.doPredict(),
  ),
  m(
    'doGetLoss',
    () => [],
    (l) => {
      l.yb = [torch.zeros([4], { dtype: 'int64' })];
      try {
        l.doGetLoss();
      } finally {
        torch.dispose(l.yb);
        l.yb = [];
      }
    },
  ),
  m(
    'doBackward',
    () => [],
    (l) => l.doBackward(),
  ),
  m(
    'doStep',
    () => [],
    (l) => l.doStep(),
  ),
  m(
    'doZeroGrad',
    () => [],
    (l) => l.doZeroGrad(),
  ),
  {
    name: 'Learner',
    leakCheck: false,
    args: () => [
      data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), { batchSize: 4 }),
      new nn.Linear(3, 2),
      {
        lossFunc: new nn.CrossEntropyLoss(),
        optFunc: optim.Adam,
        lr: 1e-3,
        splitter: optim.trainableParams,
        cbs: [new Stop()],
        metrics: [metrics.accuracy()],
        path: dir,
        modelDir: 'models',
        wd: 0.01,
        wdBnBias: false,
        trainBn: true,
        moms: [0.95, 0.85, 0.95],
        defaultCbs: true,
      },
    ],
    call: (d, model, o) => new Learner(d as Any, model as Any, o as Any),
    mustReject: {
      0: ALL,
      1: ALL,
      2: BAD_OPTS,
      '2.lossFunc': ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'scalar tensor'],
      '2.optFunc': BAD_FN.filter((h) => h !== 'undefined'),
      '2.splitter': BAD_FN.filter((h) => h !== 'undefined'),
      '2.lr': BAD_LR,
      '2.cbs': BAD_CBS,
      '2.metrics': ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
      '2.path': BAD_NAME.filter((h) => h !== 'undefined'),
      '2.modelDir': BAD_NAME.filter((h) => h !== 'undefined'),
      '2.wd': BAD_WD,
      '2.wdBnBias': BAD_FLAG,
      '2.trainBn': BAD_FLAG,
      '2.defaultCbs': BAD_FLAG,
      '2.moms': ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
    },
  },
  m(
    'fit',
    () => [1, 1e-3, fitOpts()],
    (l, n, lr, o) => l.fit(n as number, lr as number, o as Any),
    {
      mustReject: {
        1: BAD_EPOCHS,
        2: BAD_FIT_LR,
        ...fitRejects(3),
        '3.startEpoch': ['null', 'NaN', 'negative', 'fractional', 'huge', 'string', 'object'],
      },
    },
  ),
  m(
    'fitOneCycle',
    () => [1, 1e-2, { div: 25, divFinal: 1e5, pctStart: 0.25, moms: [0.95, 0.85, 0.95], ...fitOpts() }],
    (l, n, lr, o) => l.fitOneCycle(n as number, lr as number, o as Any),
    {
      mustReject: {
        1: BAD_EPOCHS,
        2: BAD_FIT_LR,
        ...fitRejects(3),
        '3.div': BAD_POSITIVE,
        '3.divFinal': BAD_POSITIVE,
        '3.pctStart': BAD_PCT,
        '3.moms': ['null', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      },
    },
  ),
  m(
    'fitFlatCos',
    () => [1, 1e-2, { divFinal: 1e5, pctStart: 0.75, wd: 0.01, cbs: [], resetOpt: false }],
    (l, n, lr, o) => l.fitFlatCos(n as number, lr as number, o as Any),
    { mustReject: { 1: BAD_EPOCHS, 2: BAD_FIT_LR, ...fitRejects(3), '3.divFinal': BAD_POSITIVE, '3.pctStart': BAD_PCT } },
  ),
  m(
    'fitSgdr',
    () => [1, 1, 1e-2, { cycleMult: 2, wd: 0.01, cbs: [], resetOpt: false }],
    (l, n, len, lr, o) => l.fitSgdr(n as number, len as number, lr as number, o as Any),
    {
      mustReject: {
        1: [...BAD_EPOCHS, 'huge'],
        2: BAD_EPOCHS,
        3: BAD_FIT_LR,
        ...fitRejects(4),
        '4.cycleMult': ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'string', 'object'],
      },
    },
  ),
  m(
    'fineTune',
    () => [1, 2e-3, { freezeEpochs: 1, lrMult: 100, pctStart: 0.3, div: 5, wd: 0.01, cbs: [] }],
    (l, n, lr, o) => l.fineTune(n as number, lr as number, o as Any),
    {
      mustReject: {
        1: BAD_EPOCHS,
        2: BAD_POSITIVE,
        3: BAD_OPTS,
        '3.wd': BAD_WD,
        '3.cbs': BAD_CBS,
        '3.freezeEpochs': ['null', 'NaN', 'negative', 'fractional', 'string', 'object'],
        '3.lrMult': BAD_POSITIVE,
        '3.pctStart': BAD_PCT,
        '3.div': BAD_POSITIVE,
      },
    },
  ),
  m(
    'lrFind',
    () => [{ startLr: 1e-7, endLr: 10, numIt: 10, stopDiv: true, showPlot: false, suggestFuncs: { valley: callbacks.valley } }],
    (l, o) => l.lrFind(o as Any),
    {
      mustReject: {
        1: BAD_OPTS,
        '1.startLr': BAD_POSITIVE,
        '1.endLr': BAD_POSITIVE,
        '1.numIt': ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'string', 'object'],
        '1.stopDiv': BAD_FLAG,
        '1.showPlot': BAD_FLAG,
        '1.suggestFuncs': ['null', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      },
    },
  ),
  {
    name: 'Learner.validate',
    skipArgs: [0],
    leakCheck: false,
    args: () => {
      const l = learner();
      return [l, { dl: l.dls.valid, cbs: [] }];
    },
    call: (l, o) => (l as Learner).validate(o as Any),
    mustReject: { 1: BAD_OPTS, '1.dl': BAD_DL, '1.cbs': BAD_CBS },
  },
  {
    name: 'Learner.getPreds',
    skipArgs: [0],
    leakCheck: false,
    args: () => {
      const l = learner();
      return [l, { dl: l.dls.valid, withInput: true, withDecoded: true, withLoss: true, act: (x: torch.Tensor) => x.softmax(-1) }];
    },
    call: (l, o) => (l as Learner).getPreds(o as Any),
    mustReject: {
      1: BAD_OPTS,
      '1.dl': BAD_DL,
      '1.withInput': BAD_FLAG,
      '1.withDecoded': BAD_FLAG,
      '1.withLoss': BAD_FLAG,
      '1.act': ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
    },
  },
  m(
    'predict',
    () => [torch.randn([3])],
    (l, x) => l.predict(x as Any),
    { mustReject: { 1: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function', 'disposed tensor', 'scalar tensor'] } },
  ),
  m(
    'save',
    () => ['saved', { withOpt: true }],
    (l, name, o) => l.save(name as string, o as Any),
    { mustReject: { 1: BAD_NAME, 2: BAD_OPTS, '2.withOpt': BAD_FLAG } },
  ),
  m(
    'load',
    () => ['base', { withOpt: true, strict: true }],
    (l, name, o) => l.load(name as string, o as Any),
    // 'abc' exists: the save case wrote it
    { mustReject: { 1: ALL.filter((h) => h !== 'string'), 2: BAD_OPTS, '2.withOpt': BAD_FLAG, '2.strict': BAD_FLAG } },
  ),
  // a file name is taken inside the scratch folder, so the 'abc' call writes nothing into the working directory
  m(
    'export',
    () => ['export.safetensors'],
    (l, f) => l.export(typeof f === 'string' && f !== '' ? join(dir, f) : (f as string)),
    { mustReject: { 1: BAD_NAME.filter((h) => h !== 'undefined') } },
  ),
  m(
    'addCb',
    () => [new Stop()],
    (l, cb) => l.addCb(cb as Any),
    { mustReject: { 1: ALL } },
  ),
  m(
    'addCbs',
    () => [[new Stop()]],
    (l, cbs) => l.addCbs(cbs as Any),
    { mustReject: { 1: ALL } },
  ),
  m(
    'removeCb',
    () => [callbacks.Recorder],
    (l, cb) => l.removeCb(cb as Any),
    { mustReject: { 1: ALL } },
  ),
  m(
    'removeCbs',
    () => [[callbacks.Recorder]],
    (l, cbs) => l.removeCbs(cbs as Any),
    { mustReject: { 1: ALL } },
  ),
  m(
    'withCbs',
    () => [[new Stop()], () => 1],
    (l, cbs, f) => l.withCbs(cbs as Any, f as Any),
    { mustReject: { 1: ALL, 2: BAD_FN } },
  ),
  m(
    'withoutCbs',
    () => [[callbacks.Recorder], () => 1],
    (l, cbs, f) => l.withoutCbs(cbs as Any, f as Any),
    { mustReject: { 1: ALL, 2: BAD_FN } },
  ),
  m(
    'cb',
    () => ['recorder'],
    (l, name) => l.cb(name as string),
    { mustReject: { 1: ALL.filter((h) => h !== 'string' && h !== 'empty string') } },
  ),
  m(
    'event',
    () => ['afterCreate'],
    (l, e) => l.event(e as Any),
    { mustReject: { 1: ALL } },
  ),
  m(
    'orderedCbs',
    () => ['afterBatch'],
    (l, e) => l.orderedCbs(e as Any),
    { mustReject: { 1: ALL.filter((h) => h !== 'null') } },
  ),
  m(
    'showTrainingLoop',
    () => [() => {}],
    (l, p) => l.showTrainingLoop(p as Any),
    { mustReject: { 1: BAD_FN.filter((h) => h !== 'undefined') } },
  ),
  m(
    'createOpt',
    () => [],
    (l) => l.createOpt(),
  ),
  m(
    'withoutLogging',
    () => [() => 1],
    (l, f) => l.withoutLogging(f as Any),
    { mustReject: { 1: BAD_FN } },
  ),
  m(
    'noLogging',
    () => [() => 1],
    (l, f) => l.noLogging(f as Any),
    { mustReject: { 1: BAD_FN } },
  ),
  m(
    'noBar',
    () => [() => 1],
    (l, f) => l.noBar(f as Any),
    { mustReject: { 1: BAD_FN } },
  ),
  m(
    'freezeTo',
    () => [0],
    (l, n) => l.freezeTo(n as number),
    { mustReject: { 1: ['null', 'undefined', 'NaN', 'Infinity', 'fractional', 'huge', 'string', 'object'] } },
  ),
  m(
    'freeze',
    () => [],
    (l) => l.freeze(),
  ),
  m(
    'unfreeze',
    () => [],
    (l) => l.unfreeze(),
  ),
  {
    name: 'loadLearner',
    leakCheck: false,
    args: () => ['base-export.safetensors', { device: 'cpu' }],
    // a relative name is looked up in the scratch folder ('abc' is an export the export case wrote)
    call: (f, o) => {
      const l = loadLearner(typeof f === 'string' && f !== '' ? join(dir, f) : (f as string), o as Any);
      l.model.dispose();
      return null;
    },
    mustReject: {
      0: ALL.filter((h) => h !== 'string'),
      1: BAD_OPTS,
      '1.device': ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'],
    },
  },
];

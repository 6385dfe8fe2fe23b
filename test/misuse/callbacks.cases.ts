// Misuse cases for the `callbacks` namespace (every callback's constructor, the LR finder's suggestion
// functions, plotSched) and the Callback base class. Constructors check their arguments when called, so a bad
// value fails where it was written, not at the first fit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Callback, callbacks, schedule } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-callbacks-'));
type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

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
const BAD_COUNT: HostileName[] = [
  'null',
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
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_NAME: HostileName[] = ['null', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_CURVE: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const NOT_DELTA: HostileName[] = ['null', 'NaN', 'Infinity', 'negative', 'string', 'symbol', 'object', 'array', 'function'];

const tracker = () => ({ monitor: 'valid_loss', comp: 'less', minDelta: 0, resetOnFit: true });
const trackerRejects: Record<string, readonly HostileName[]> = {
  0: BAD_OPTS,
  '0.monitor': BAD_NAME,
  '0.comp': ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'],
  '0.minDelta': NOT_DELTA,
  '0.resetOnFit': BAD_FLAG,
};
const curve = () => [[1e-4, 1e-3, 1e-2, 1e-1, 1], [2, 1.5, 1, 0.8, 3], 100];
const curveRejects = { 0: BAD_CURVE, 1: BAD_CURVE };
const ctor = (name: string, args: () => unknown[], make: (...a: Any[]) => unknown, extra: Partial<Case> = {}): Case => ({
  name: `callbacks.${name}`,
  args,
  call: (...a) => make(...a),
  ...extra,
});

export const cases: Case[] = [
  {
    name: 'Callback',
    args: () => [{ afterBatch: () => {} }],
    call: (h) => new Callback(h as Any),
    mustReject: {
      0: ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function'],
      '0.afterBatch': ['null', 'NaN', 'zero', 'string', 'object', 'array'],
    },
  },
  ctor(
    'TrainEvalCallback',
    () => [],
    () => new callbacks.TrainEvalCallback(),
  ),
  ctor(
    'CastToTensor',
    () => [],
    () => new callbacks.CastToTensor(),
  ),
  ctor(
    'TerminateOnNaNCallback',
    () => [],
    () => new callbacks.TerminateOnNaNCallback(),
  ),
  ctor(
    'BnFreeze',
    () => [],
    () => new callbacks.BnFreeze(),
  ),
  ctor(
    'ShortEpochCallback',
    () => [0.01, true],
    (p, v) => new callbacks.ShortEpochCallback(p, v),
    { mustReject: { 0: [...BAD_POSITIVE, 'huge'], 1: BAD_FLAG } },
  ),
  ctor(
    'Recorder',
    () => [{ addTime: true, trainMetrics: false, validMetrics: true, beta: 0.98 }],
    (o) => new callbacks.Recorder(o),
    {
      mustReject: {
        0: BAD_OPTS,
        '0.addTime': BAD_FLAG,
        '0.trainMetrics': BAD_FLAG,
        '0.validMetrics': BAD_FLAG,
        '0.beta': ['null', 'NaN', 'Infinity', 'negative', 'huge', 'string', 'object', 'array'],
      },
    },
  ),
  ctor(
    'ProgressCallback',
    () => [
      { write: () => true, isTTY: false },
      { plainEvery: 30, now: () => 0 },
    ],
    (s, o) => new callbacks.ProgressCallback(s as Any, o as Any),
    {
      mustReject: {
        0: ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
        1: ['null', 'NaN', 'string', 'symbol', 'array', 'function'],
        '1.plainEvery': ['null', 'NaN', 'zero', 'negative', 'Infinity', 'string', 'object'],
        '1.now': ['null', 'NaN', 'string', 'object', 'array'],
      },
    },
  ),
  ctor(
    'ParamScheduler',
    () => [{ lr: schedule.SchedLin(1e-3, 1e-2) }],
    (s) => new callbacks.ParamScheduler(s),
    {
      mustReject: {
        0: ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'array', 'function'],
        '0.lr': ['null', 'NaN', 'zero', 'string', 'object', 'array'],
      },
    },
  ),
  // a file name is taken inside the scratch folder, so the 'abc' call writes nothing into the working directory
  ctor(
    'plotSched',
    () => [{ lr: [1e-3, 5e-3, 1e-2] }, 'sched'],
    (h, f) => callbacks.plotSched(h, typeof f === 'string' && f !== '' ? join(dir, f) : f),
    {
      mustReject: {
        0: ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'array', 'function'],
        '0.lr': ['null', 'NaN', 'zero', 'string', 'object', 'array'],
        1: ['null', 'NaN', 'zero', 'symbol', 'object', 'array', 'function'],
      },
    },
  ),
  ctor(
    'LRFinder',
    () => [1e-7, 10, 100, true],
    (a, b, n, s) => new callbacks.LRFinder(a, b, n, s),
    { mustReject: { 0: BAD_POSITIVE, 1: BAD_POSITIVE, 2: BAD_COUNT, 3: BAD_FLAG } },
  ),
  ctor('valley', curve, (l, y, n) => callbacks.valley(l, y, n), { mustReject: curveRejects }),
  ctor('minimum', curve, (l, y, n) => callbacks.minimum(l, y, n), { mustReject: curveRejects }),
  ctor('steep', curve, (l, y, n) => callbacks.steep(l, y, n), { mustReject: curveRejects }),
  ctor(
    'slide',
    () => [{ lrDiff: 15, thresh: 0.005, adjustValue: 1 }, ...curve()],
    (o, l, y, n) => callbacks.slide(o)(l, y, n),
    { mustReject: { 0: BAD_OPTS, '0.lrDiff': BAD_COUNT, '0.thresh': NOT_DELTA, '0.adjustValue': BAD_POSITIVE, 1: BAD_CURVE, 2: BAD_CURVE } },
  ),
  ctor(
    'GradientClip',
    () => [1, 2],
    (a, b) => new callbacks.GradientClip(a, b),
    { mustReject: { 0: BAD_POSITIVE, 1: BAD_POSITIVE.filter((h) => h !== 'Infinity') } },
  ),
  ctor(
    'GradientAccumulation',
    () => [32],
    (n) => new callbacks.GradientAccumulation(n),
    { mustReject: { 0: BAD_COUNT } },
  ),
  ctor(
    'TrackerCallback',
    () => [tracker()],
    (o) => new callbacks.TrackerCallback(o),
    { mustReject: trackerRejects },
  ),
  ctor(
    'EarlyStoppingCallback',
    () => [{ ...tracker(), patience: 1 }],
    (o) => new callbacks.EarlyStoppingCallback(o),
    { mustReject: { ...trackerRejects, '0.patience': BAD_COUNT } },
  ),
  ctor(
    'ReduceLROnPlateau',
    () => [{ ...tracker(), patience: 1, factor: 10, minLr: 0 }],
    (o) => new callbacks.ReduceLROnPlateau(o),
    { mustReject: { ...trackerRejects, '0.patience': BAD_COUNT, '0.factor': [...BAD_POSITIVE, 'fractional'], '0.minLr': NOT_DELTA } },
  ),
  ctor(
    'SaveModelCallback',
    () => [{ ...tracker(), fname: 'best', everyEpoch: false, atEnd: false, withOpt: false, saveOnInterrupt: false }],
    (o) => new callbacks.SaveModelCallback(o),
    {
      mustReject: {
        ...trackerRejects,
        '0.fname': BAD_NAME,
        '0.everyEpoch': ['null', 'NaN', 'negative', 'zero', 'fractional', 'string', 'object'],
        '0.atEnd': BAD_FLAG,
        '0.withOpt': BAD_FLAG,
        '0.saveOnInterrupt': BAD_FLAG,
      },
    },
  ),
  ctor(
    'CSVLogger',
    () => ['history.csv', false],
    (f, a) => new callbacks.CSVLogger(f, a),
    { mustReject: { 0: BAD_NAME, 1: BAD_FLAG } },
  ),
  ctor(
    'RunLog',
    () => [{ dir: 'run', batchEveryMs: 100, charts: false }],
    (o) => new callbacks.RunLog(o as never),
    { mustReject: { 0: BAD_OPTS, '0.dir': BAD_NAME, '0.batchEveryMs': ['null', 'NaN', 'negative', 'string', 'object'], '0.charts': BAD_FLAG } },
  ),
  {
    name: 'callbacks.parseRunLog',
    args: () => ['{"type":"end","t":1,"status":"completed"}\n'],
    call: (t) => callbacks.parseRunLog(t as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'zero', 'symbol', 'object', 'array', 'function'] },
  },
  {
    name: 'callbacks.readRunRecord',
    args: () => ['no-such-run'],
    call: (d) => callbacks.readRunRecord(d as Any),
    mustReject: { 0: BAD_NAME },
  },
  ctor(
    'ShowGraphCallback',
    () => ['loss'],
    (f) => new callbacks.ShowGraphCallback(f),
    { mustReject: { 0: BAD_NAME } },
  ),
  ctor(
    'MixedPrecision',
    () => [{ dtype: 'bfloat16', scaler: false, initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 }],
    (o) => new callbacks.MixedPrecision(o),
    {
      mustReject: {
        0: BAD_OPTS,
        '0.dtype': ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'],
        '0.scaler': BAD_FLAG,
        '0.initScale': BAD_POSITIVE,
        '0.growthFactor': [...BAD_POSITIVE, 'fractional'],
        '0.backoffFactor': [...BAD_POSITIVE, 'huge'],
        '0.growthInterval': BAD_COUNT,
      },
    },
  ),
  // MixHandler is abstract in TypeScript, but JavaScript can still call it
  ctor(
    'MixHandler',
    () => [0.4],
    (a) => new (callbacks.MixHandler as Any)(a),
    { mustReject: { 0: BAD_POSITIVE } },
  ),
  ctor(
    'MixUp',
    () => [0.4],
    (a) => new callbacks.MixUp(a),
    { mustReject: { 0: BAD_POSITIVE } },
  ),
  ctor(
    'CutMix',
    () => [1],
    (a) => new callbacks.CutMix(a),
    { mustReject: { 0: BAD_POSITIVE } },
  ),
];

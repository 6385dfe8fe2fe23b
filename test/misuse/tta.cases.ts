// Misuse cases for learn.tta (fastai's Learner.tta): every option, on a learner whose training loader has an
// afterBatch transform (augment optional) and on one without (augment required). Learners made without the
// default callbacks hold no tensor between calls (no running loss), so the leak check can run.
import { Learner, data, nn, torch, type Tensor } from '../../src/index.js';
import type { Batch } from '../../src/data/index.js';
import { tta, type TtaOptions } from '../../src/learner/tta.js';
import type { Case, HostileName } from './harness.js';

const double = (b: Batch): Batch => {
  const [x, y] = b as Tensor[];
  return [x!.mul(2), y!];
};

function learner(afterBatch: ((b: Batch) => Batch) | null): Learner {
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([6, 3]), torch.randint(0, 2, [6]), {
    batchSize: 4,
  });
  const train = dls.train.new({ afterBatch });
  return new Learner(new data.DataLoaders(train, dls.valid), new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLossFlat(), defaultCbs: false });
}
const augmented = learner(double);
const plain = learner(null);

// learn.tta once the Learner has it; the function behind it until then
const run = (l: unknown, o: unknown): unknown => {
  const method = (l as { tta?: (o: unknown) => unknown }).tta;
  return typeof method === 'function' ? method.call(l, o) : tta(l as Learner, o as TtaOptions);
};

const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_DL: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_N: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'fractional',
  'huge',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
];
const BAD_BETA: HostileName[] = ['NaN', 'Infinity', '-Infinity', 'negative', 'huge', 'BigInt', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'object', 'function', 'symbol', 'array'];
// a function returning 1 is called, and its result refused
const BAD_AUGMENT: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];

export const cases: Case[] = [
  {
    name: 'Learner.tta',
    skipArgs: [0],
    args: () => [augmented, { dl: augmented.dls.valid, n: 2, beta: 0.25, useMax: false, augment: double }],
    call: (l, o) => run(l, o),
    mustReject: { 1: BAD_OPTS, '1.dl': BAD_DL, '1.n': BAD_N, '1.beta': BAD_BETA, '1.useMax': BAD_FLAG, '1.augment': BAD_AUGMENT },
  },
  // without a training transform, augment is required
  {
    name: 'Learner.tta',
    skipArgs: [0],
    args: () => [plain, { n: 1, beta: null, useMax: true, augment: double }],
    call: (l, o) => run(l, o),
    mustReject: { 1: [...BAD_OPTS, 'undefined'], '1.augment': [...BAD_AUGMENT, 'undefined'] },
  },
];

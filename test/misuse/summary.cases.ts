// Misuse cases for Learner.summary: its print argument. One learner serves every call (the summary changes
// nothing in it), so the leak check can run: a refused or accepted call leaves no tensor behind.
import { Learner, data, nn, torch } from '../../src/index.js';
import { learnerSummary } from '../../src/learner/summary.js';
import type { Case, HostileName } from './harness.js';

const learn = new Learner(
  data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), { batchSize: 4 }),
  new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2)),
  { lossFunc: new nn.CrossEntropyLossFlat() },
);

// the method once the Learner has it; the function behind it until then
const summary = (l: Learner, print: unknown): string => {
  const method = (l as unknown as { summary?: (p: unknown) => string }).summary;
  return typeof method === 'function' ? method.call(l, print) : learnerSummary(l, print as (s: string) => void);
};

// undefined is the default (console.log)
const BAD_PRINT: HostileName[] = [
  'null',
  'NaN',
  'zero',
  'string',
  'empty string',
  'symbol',
  'object',
  'array',
  'BigInt',
  'scalar tensor',
  'disposed tensor',
];

export const cases: Case[] = [
  { name: 'Learner.summary', args: () => [learn, () => {}], call: (l, p) => summary(l as Learner, p), skipArgs: [0], mustReject: { 1: BAD_PRINT } },
];

// The data-parallel Learner test's run (test/learner-distributed.test.ts): a small classifier fitted for 2 epochs,
// on one process with batch 2b or as one rank of 2 with batch b (learn.toDistributed()).
import { Learner, data, metrics, nn, optim, torch } from '../../src/index.js';

function setup(o: { batch: number; distributed: boolean; initSeed: number }) {
  torch.manualSeed(1234);
  const x = torch.randn([96, 6]);
  const y = x.narrow(1, 0, 3).argmax(1);
  const xv = torch.randn([37, 6]);
  const yv = xv.narrow(1, 0, 3).argmax(1);
  const dls = data.DataLoaders.fromTensors(x, y, xv, yv, { batchSize: o.batch, seed: 5 });
  torch.manualSeed(o.initSeed);
  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const learn = new Learner(dls, model, {
    lossFunc: new nn.CrossEntropyLossFlat(),
    optFunc: (p) => optim.SGD(p, { mom: 0.9 }),
    metrics: [metrics.accuracy, metrics.F1Score({ average: 'macro' }), metrics.MatthewsCorrCoef()],
  });
  if (o.distributed) learn.toDistributed();
  return { learn, model };
}

/** lrFind's suggestion and recorded losses (no plot). */
export async function lrFindRun(o: { batch: number; distributed: boolean; initSeed: number }) {
  const { learn } = setup(o);
  const found = await learn.lrFind({ numIt: 20, showPlot: false });
  return { found, losses: learn.recorder!.losses, lrs: learn.recorder!.lrs };
}

export async function learnerRun(o: { batch: number; distributed: boolean; initSeed: number }) {
  const { learn, model } = setup(o);
  await learn.fit(2, 0.05);
  const state: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(model.stateDict())) state[k] = Array.from(v.toTypedArray() as ArrayLike<number | bigint>, Number);
  // getPreds: the whole validation set, in order, on every rank
  const { preds, targs } = await learn.getPreds();
  const predsSum = preds.sum().item();
  const targsList = targs!.toArray();
  // validate() outside a fit: sharded and combined too
  const validated = await learn.validate();
  return { state, values: learn.recorder!.values, names: learn.recorder!.metricNames, predsSum, targsList, validated };
}

// One rank of the data-parallel Ctrl-C test: rank 1 gets SIGINT during a batch; every rank must stop after the same
// batch with FitInterrupted (rank 0 never saw a signal).
import { Callback, FitInterrupted, Learner, data, nn, torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';

await torch.distributed.initProcessGroup({ timeoutMs: 30_000 });
const rank = torch.distributed.getRank();
torch.manualSeed(0);
const dls = data.DataLoaders.fromTensors(torch.randn([400, 4]), torch.randn([400, 1]), torch.randn([40, 4]), torch.randn([40, 1]), {
  batchSize: 4,
  seed: 1,
});
const learn = new Learner(dls, new nn.Linear(4, 1), { lossFunc: new nn.MSELoss() });
learn.toDistributed();
learn.addCb(
  new Callback({
    afterBatch: (l) => {
      if (rank === 1 && l.training && l.iter === 5) process.kill(process.pid, 'SIGINT');
    },
  }),
);
let outcome: Record<string, unknown> = { rank, interrupted: false };
try {
  await learn.fit(3, 0.01);
} catch (e) {
  if (!(e instanceof FitInterrupted)) throw e;
  outcome = { rank, interrupted: true, epoch: learn.epoch, iter: learn.iter, message: e.message };
}
report(outcome);
await torch.distributed.destroyProcessGroup();

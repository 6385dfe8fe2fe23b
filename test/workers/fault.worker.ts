// One rank of test/dist-faults.test.ts, run by flint launch: a data-parallel fit that rank 0 checkpoints after
// epoch 0. 'crash': rank 1 is killed (SIGKILL) in epoch 1. 'resume': every rank loads that checkpoint and fits the
// remaining epochs. 'full': the same fit uninterrupted. Each rank writes its pid, and its final weights on success.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Callback, Learner, data, nn, optim, torch } from '../../src/index.js';

const [mode, dir] = process.argv.slice(2) as [string, string];
await torch.distributed.initProcessGroup({ timeoutMs: 20_000 });
const rank = torch.distributed.getRank();
writeFileSync(join(dir, `${mode}-${rank}.pid`), String(process.pid));
torch.manualSeed(3);
const x = torch.randn([64, 5]);
const y = x.sum(1, true);
const dls = data.DataLoaders.fromTensors(x, y, torch.randn([16, 5]), torch.randn([16, 1]), { batchSize: 4, seed: 9 });
const model = new nn.Sequential(new nn.Linear(5, 8), new nn.ReLU(), new nn.Linear(8, 1));
const learn = new Learner(dls, model, { lossFunc: new nn.MSELoss(), optFunc: (p) => optim.Adam(p), path: dir });
learn.toDistributed();
learn.addCb(
  new Callback({
    afterEpoch: (l) => {
      if (mode !== 'resume' && l.epoch === 0) l.save('ckpt');
    },
    afterBatch: (l) => {
      if (mode === 'crash' && rank === 1 && l.training && l.epoch === 1 && l.iter === 3) process.kill(process.pid, 'SIGKILL');
    },
  }),
);
let start = 0;
if (mode === 'resume') start = (learn.load('ckpt').epoch ?? -1) + 1;
await learn.fit(3, 1e-2, { startEpoch: start });
const state = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.toTypedArray() as Float32Array)]));
writeFileSync(join(dir, `${mode}-${rank}.json`), JSON.stringify({ start, state }));
await torch.distributed.destroyProcessGroup();

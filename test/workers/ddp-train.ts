// The training run of the data-parallel equivalence test: N steps of a small model on fixed data, either on one
// process with batch 2b or as one rank of 2 with batch b (DDP, the DataLoader's shard). Shared by the worker and the
// test's single-process reference, so both run the same code.
import { data, nn, optim, torch, type Tensor } from '../../src/index.js';

export interface RunSpec {
  opt: 'sgd' | 'adam';
  bn: boolean;
  steps: number;
  /** Per-process batch size. */
  batch: number;
  /** Set: this process is rank `rank` of `worldSize`, under DDP. */
  shard?: { rank: number; worldSize: number };
  /** DDP's bucket size (MB); tiny: one bucket per parameter. */
  bucketCapMb?: number;
  /** Seed of the model's initialisation (ranks use different ones: DDP must broadcast rank 0's). */
  initSeed: number;
}

function model(bn: boolean): nn.Module {
  return bn
    ? // no bias before the BatchNorm (it only shifts what BatchNorm removes): its zero gradient's rounding noise is
      // what Adam would amplify
      new nn.Sequential(new nn.Linear(6, 16, { bias: false }), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Linear(16, 3))
    : new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

/** Trains and returns every parameter (and buffer), flattened, in stateDict order. */
export async function trainRun(spec: RunSpec): Promise<{ state: Record<string, number[]>; growth: number; launched: number[] }> {
  torch.manualSeed(1234);
  const x = torch.randn([80, 6]);
  const y = torch.randint(0, 3, [80]);
  torch.manualSeed(spec.initSeed);
  const inner = model(spec.bn);
  let net: nn.Module = inner;
  let ddp: nn.parallel.DistributedDataParallel | null = null;
  if (spec.shard) {
    // the global batch's statistics, as the one process with the whole batch computes them
    if (spec.bn) nn.SyncBatchNorm.convertSyncBatchnorm(inner);
    ddp = new nn.parallel.DistributedDataParallel(inner, { bucketCapMb: spec.bucketCapMb ?? 25 });
    await ddp.ready;
    net = ddp;
  }
  const dl = new data.DataLoader(new data.TensorDataset(x, y), {
    batchSize: spec.batch,
    shuffle: true,
    seed: 99,
    dropLast: true,
    shard: spec.shard ?? null,
  });
  const opt = spec.opt === 'sgd' ? optim.SGD(inner.parameters(), { lr: 0.1, mom: 0.9 }) : optim.Adam(inner.parameters(), { lr: 0.01 });
  const lossFn = new nn.CrossEntropyLoss();
  let step = 0;
  let liveAt2 = 0;
  const launched: number[] = [];
  while (step < spec.steps) {
    for (const [xb, yb] of dl as Iterable<Tensor[]>) {
      if (step === spec.steps) break;
      if (ddp) await ddp.syncBuffers();
      torch.tidy(() => {
        const loss = lossFn.call(net.call(xb as Tensor) as Tensor, yb as Tensor);
        loss.backward();
      });
      if (ddp) {
        await ddp.syncGradients();
        launched.push(ddp.lastLaunchedInBackward);
      }
      opt.step();
      opt.zeroGrad();
      step++;
      if (step === 2) liveAt2 = torch.memory().liveTensors;
    }
  }
  // live tensors at the end against after step 2 (the optimizer's state exists by then); a new epoch's order is
  // the one thing allowed
  const growth = spec.steps > 2 ? torch.memory().liveTensors - liveAt2 : 0;
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(inner.stateDict())) out[k] = Array.from(v.toTypedArray() as ArrayLike<number | bigint>, Number);
  return { state: out, growth, launched };
}

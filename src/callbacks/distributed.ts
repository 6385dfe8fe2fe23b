// fastai's DistributedTrainer: one Learner per process, trained data-parallel over torch.distributed. For a fit,
// the training loader hands each rank its shard of every epoch (rank 0's shuffling seed everywhere), every rank
// starts from rank 0's weights, the gradients are averaged after each backward (nn.parallel's DDP), BatchNorm
// buffers come from rank 0 before each training forward, and the recorded training loss is the mean over ranks.
// Validation runs on the whole validation set on every rank (the weights are the same everywhere), so the losses
// and metrics are the single-process ones. Only rank 0 prints, logs and writes files. Ctrl-C on any rank ends the
// fit on every rank after the same batch.
import * as torch from '../torch/index.js';
import { DistributedDataParallel, type DistributedDataParallelOptions } from '../nn/parallel/index.js';
import { checkDdpOptions } from '../nn/parallel/ddp.js';
import type { AroundPhase } from '../learner/index.js';
import { Callback } from '../learner/callback.js';

const dist = torch.distributed;

export class DistributedTrainer extends Callback {
  override aroundPhases: readonly AroundPhase[] = ['fit', 'batch', 'backward'];
  readonly ddpOptions: DistributedDataParallelOptions;
  /** The DDP wrapper of learn.model during a fit (the Learner keeps calling learn.model itself). */
  ddp: DistributedDataParallel | null = null;

  constructor(options: DistributedDataParallelOptions = {}) {
    super();
    this.ddpOptions = checkDdpOptions('callbacks.DistributedTrainer', options);
  }

  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase === 'fit') return this.#fit(next);
    const ddp = this.ddp;
    if (ddp === null || !this.learn.training) return next();
    if (phase === 'batch') {
      await ddp.syncBuffers();
      return next();
    }
    // backward: the gradients averaged before the step, and the loss the Recorder sees is the mean over ranks
    await next();
    await ddp.syncGradients();
    const loss = this.learn.loss;
    if (loss !== null) {
      const mean = loss.detach().clone().contiguous();
      await dist.allReduce(mean, 'avg');
      this.learn.loss = mean;
    }
  }

  async #fit(next: () => Promise<void>): Promise<void> {
    const fn = 'DistributedTrainer';
    if (!dist.isInitialized()) {
      throw new torch.FlintError(`${fn}: no process group: await torch.distributed.initProcessGroup() first (flint launch sets its environment)`);
    }
    const learn = this.learn;
    const rank = dist.getRank();
    const worldSize = dist.getWorldSize();
    const train = learn.dls.train;
    const oldShard = train.shard;
    const oldSeed = train.seed;
    const oldLogger = learn.logger;
    // every rank shuffles with rank 0's seed, so the shards split one order
    const seed = torch.tensor([oldSeed], { dtype: 'int64' });
    try {
      await dist.broadcast(seed, 0);
      train.setShard({ rank, worldSize }, { seed: Number(seed.item()) });
    } finally {
      seed.dispose();
    }
    if (rank !== 0) learn.logger = () => {};
    // Ctrl-C on any rank stops every rank after the same batch: the ranks agree after each one
    const flag = torch.zeros([1]);
    learn.interruptAgreement = async (interrupted) => {
      flag.fill_(interrupted ? 1 : 0);
      await dist.allReduce(flag, 'max');
      const stop = flag.item() > 0;
      if (stop && !learn.interrupted) learn.interrupt();
      return stop;
    };
    try {
      this.ddp = new DistributedDataParallel(learn.model, this.ddpOptions);
      await this.ddp.ready;
      await next();
    } finally {
      this.ddp = null;
      learn.interruptAgreement = null;
      flag.dispose();
      train.setShard(oldShard, { seed: oldSeed });
      learn.logger = oldLogger;
    }
  }
}

// fastai's DistributedTrainer: one Learner per process, trained data-parallel over torch.distributed. For a fit,
// the training loader hands each rank its shard of every epoch (rank 0's shuffling seed everywhere), every rank
// starts from rank 0's weights, the gradients are averaged after each backward (nn.parallel's DDP), BatchNorm
// buffers come from rank 0 before each training forward, and the recorded training loss is the mean over ranks.
// Validation on learn.dls.valid is sharded too (no padding: rank r takes items r, r + W...), and after its last
// batch each metric combines its state over the ranks (sums all-reduced, kept predictions all-gathered in dataset
// order), so the losses and metrics are the whole validation set's. Only rank 0 prints, logs and writes files.
// Ctrl-C on any rank ends the fit on every rank after the same batch.
import * as torch from '../torch/index.js';
import { DistributedDataParallel, type DistributedDataParallelOptions } from '../nn/parallel/index.js';
import { checkDdpOptions } from '../nn/parallel/ddp.js';
import type { AroundPhase } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { datasetLength } from '../data/check.js';
import { Recorder } from './recorder.js';

const dist = torch.distributed;

export class DistributedTrainer extends Callback {
  // fastai's order: its afterValidate combines the metrics before the Recorder (50) reads them
  override order = 11;
  override aroundPhases: readonly AroundPhase[] = ['fit', 'validate', 'batch', 'backward'];
  readonly ddpOptions: DistributedDataParallelOptions;
  /** The DDP wrapper of learn.model during a fit (the Learner keeps calling learn.model itself). */
  ddp: DistributedDataParallel | null = null;
  /** Milliseconds this rank spent in collectives during the last fit (gradients with their flattening, buffers, the loss, the
   * Ctrl-C agreement, the metrics): its share of the fit's time is the cost of communication. */
  commMs = 0;
  /** The validation set's length while a sharded validation runs, else 0. */
  #validItems = 0;

  constructor(options: DistributedDataParallelOptions = {}) {
    super();
    this.ddpOptions = checkDdpOptions('callbacks.DistributedTrainer', options);
  }

  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase === 'fit') return this.#fit(next);
    if (phase === 'validate') return this.#validate(next);
    const ddp = this.ddp;
    if (ddp === null || !this.learn.training) return next();
    if (phase === 'batch') {
      await this.#timed(ddp.syncBuffers());
      return next();
    }
    // backward: the gradients averaged before the step, and the loss the Recorder sees is the mean over ranks
    await next();
    await this.#timed(ddp.syncGradients());
    const loss = this.learn.loss;
    if (loss !== null) {
      const mean = loss.detach().clone().contiguous();
      await this.#timed(dist.allReduce(mean, 'avg'));
      this.learn.loss = mean;
    }
  }

  async #timed(p: Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await p;
    } finally {
      this.commMs += performance.now() - t0;
    }
  }

  /** Training batches per epoch on each rank, once the training loader is sharded for a fit. */
  trainBatchesPerRank(): number {
    const dl = this.learn.dls.train;
    if (!dist.isInitialized() || dl.shard !== null) return dl.length;
    const items = Math.ceil(datasetLength('DistributedTrainer', dl.dataset) / dist.getWorldSize());
    return dl.dropLast ? Math.floor(items / dl.batchSize) : Math.ceil(items / dl.batchSize);
  }

  /** Shards the validation loader for the phase; the metrics are combined in afterValidate. */
  async #validate(next: () => Promise<void>): Promise<void> {
    const learn = this.learn;
    const dl = learn.dl;
    if (!dist.isInitialized() || dl === null || dl !== learn.dls.valid || dl.shard !== null) return next();
    const worldSize = dist.getWorldSize();
    const items = datasetLength('DistributedTrainer', dl.dataset);
    // every rank needs an item, so that each metric's state has a shape to combine
    if (items < worldSize) return next();
    dl.setShard({ rank: dist.getRank(), worldSize, pad: false });
    this.#validItems = items;
    try {
      await next();
    } finally {
      this.#validItems = 0;
      dl.setShard(null);
    }
  }

  override async afterValidate(): Promise<void> {
    const items = this.#validItems;
    if (items === 0) return;
    const recorder = this.learn.cbs.find((c): c is Recorder => c instanceof Recorder);
    for (const m of recorder?.validationMetrics() ?? []) await this.#timed(m.syncRanks({ items }));
  }

  async #fit(next: () => Promise<void>): Promise<void> {
    const fn = 'DistributedTrainer';
    if (!dist.isInitialized()) {
      throw new torch.FlintError(`${fn}: no process group: await torch.distributed.initProcessGroup() first (flint launch sets its environment)`);
    }
    const learn = this.learn;
    const rank = dist.getRank();
    const worldSize = dist.getWorldSize();
    this.commMs = 0;
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
    // Ctrl-C on any rank stops every rank after the same batch: the ranks agree after each training batch (a sharded
    // validation's ranks may run different numbers of batches: a Ctrl-C there is agreed on after it)
    const flag = torch.zeros([1]);
    const agree = async (interrupted: boolean): Promise<boolean> => {
      flag.fill_(interrupted ? 1 : 0);
      await this.#timed(dist.allReduce(flag, 'max'));
      const stop = flag.item() > 0;
      if (stop && !learn.interrupted) learn.interrupt();
      return stop;
    };
    learn.interruptAgreement = (interrupted) => (this.#validItems > 0 ? Promise.resolve(false) : agree(interrupted));
    try {
      this.ddp = new DistributedDataParallel(learn.model, this.ddpOptions);
      await this.ddp.ready;
      await next();
      // a Ctrl-C during the last validation: every rank ends with FitInterrupted
      await agree(learn.interrupted);
    } finally {
      this.ddp?.release();
      this.ddp = null;
      learn.interruptAgreement = null;
      flag.dispose();
      train.setShard(oldShard, { seed: oldSeed });
      learn.logger = oldLogger;
    }
  }
}

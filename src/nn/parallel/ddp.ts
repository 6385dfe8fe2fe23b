// PyTorch's DistributedDataParallel over torch.distributed: every rank starts from rank 0's parameters and buffers,
// and each backward's gradients are averaged over the ranks, bucket by bucket (flattened, about 25 MB): hooks on the
// gradient accumulators start a bucket's all-reduce as soon as backward has filled it (torch/distributed/reducer.ts).
// A collective is a promise in Flint, so waiting for them is `await ddp.syncGradients()` between backward and the
// optimizer step (the Learner's DistributedTrainer does it), where PyTorch waits at the end of backward.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { checkBool, checkNumber, checkOptions, fail, named } from '../../torch/validate.js';
import { Module } from '../module.js';
import { makeBuckets } from './buckets.js';
import { GradReducer } from '../../torch/distributed/reducer.js';

const dist = torch.distributed;
const FN = 'nn.parallel.DistributedDataParallel';

export interface DistributedDataParallelOptions {
  /** Gradient bucket size in MB (PyTorch's bucket_cap_mb: 25). */
  bucketCapMb?: number;
  /** Give every rank rank 0's buffers (BatchNorm's running statistics) before each training forward, as PyTorch's
   * broadcast_buffers does (default true): call syncBuffers() before the forward (the Learner does). */
  broadcastBuffers?: boolean;
}

/** The options, checked, with PyTorch's defaults filled in. */
export function checkDdpOptions(fn: string, options: unknown): Required<DistributedDataParallelOptions> {
  const o = checkOptions(fn, options as DistributedDataParallelOptions, ['bucketCapMb', 'broadcastBuffers']);
  return {
    bucketCapMb: o.bucketCapMb === undefined ? 25 : checkNumber(fn, 'options.bucketCapMb', o.bucketCapMb, { gt: 0 }),
    broadcastBuffers: o.broadcastBuffers === undefined ? true : checkBool(fn, 'options.broadcastBuffers', o.broadcastBuffers),
  };
}

// PyTorch coalesces the start-up broadcast in 250 MB buckets (_sync_module_states)
const BROADCAST_CAP = 250 * 2 ** 20;

/** Broadcasts rank 0's tensors to every rank, flattened by dtype and device; resolves once they are in place. */
async function broadcastCoalesced(ts: readonly Tensor[]): Promise<void> {
  const rank = dist.getRank();
  const buckets = makeBuckets(ts, BROADCAST_CAP);
  const flats = buckets.map((b) => torch.tidy(() => torch.cat(b.params.map((t) => t.detach().reshape([-1])))));
  try {
    // issued now, in the same order on every rank
    await Promise.all(flats.map((f) => dist.broadcast(f, 0)));
    if (rank === 0) return;
    torch.noGrad(() =>
      torch.tidy(() => {
        buckets.forEach((b, i) => copyFromFlat(b.params, flats[i] as Tensor));
      }),
    );
  } finally {
    for (const f of flats) f.dispose();
  }
}

/** Copies each tensor's slice of the flat buffer into it. */
function copyFromFlat(ts: readonly Tensor[], flat: Tensor): void {
  let off = 0;
  for (const t of ts) {
    const n = t.numel();
    t.copy_(flat.narrow(0, off, n).view(t.shape));
    off += n;
  }
}

export class DistributedDataParallel extends Module {
  readonly module: Module;
  readonly bucketCapMb: number;
  readonly broadcastBuffers: boolean;
  /** Settles once rank 0's parameters and buffers are in every rank's module: await it before the first forward. */
  readonly ready: Promise<void>;
  #synced = false;
  #failed: Error | null = null;

  constructor(module: Module, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) fail(FN, 'module', 'an nn.Module', module);
    const o = checkDdpOptions(FN, options);
    this.bucketCapMb = o.bucketCapMb;
    this.broadcastBuffers = o.broadcastBuffers;
    named(FN, () => dist.getWorldSize());
    this.module = this.registerModule('module', module);
    this.ready = named(FN, () => broadcastCoalesced([...module.parameters(), ...module.buffers()])).then(
      () => {
        this.#synced = true;
      },
      (e: Error) => {
        this.#failed = e;
        throw e;
      },
    );
    // a failure is reported by forward too, so a `ready` nobody awaited does not end the process
    this.ready.catch(() => {});
    // the hooks exist before the first backward, so its buckets overlap it
    named(FN, () => this.#hooks(FN));
  }

  forward(...inputs: any[]): any {
    if (this.#failed) throw new torch.FlintError(`${FN}: rank 0's parameters never arrived: ${this.#failed.message}`, { cause: this.#failed });
    if (!this.#synced) throw new torch.FlintError(`${FN}: forward before rank 0's parameters arrived: await ddp.ready first`);
    return this.module.call(...(inputs as []));
  }

  /** Rank 0's buffers to every rank (PyTorch's DDP does this before each training forward). */
  async syncBuffers(): Promise<void> {
    const bufs = this.module.buffers();
    if (!this.broadcastBuffers || bufs.length === 0 || dist.getWorldSize() === 1) return;
    await broadcastCoalesced(bufs);
  }

  /** The parameters whose gradients are averaged (those requiring one) and the hooks that start the buckets. */
  #reducer: { params: Tensor[]; r: GradReducer } | null = null;
  /** Buckets the last backward had already launched when syncGradients was called (the overlap with backward). */
  lastLaunchedInBackward = 0;

  /** The hooks for the parameters that require a gradient now (made again when that set changed: freeze). */
  #hooks(fn: string): GradReducer {
    const params = this.module.parameters().filter((p) => p.requiresGrad);
    const cur = this.#reducer;
    if (cur !== null && cur.params.length === params.length && cur.params.every((p, i) => p === params[i])) return cur.r;
    cur?.r.release();
    const buckets = makeBuckets(params, this.bucketCapMb * 2 ** 20).map((b) => b.params.map((p) => params.indexOf(p)));
    this.#reducer = { params, r: new GradReducer(fn, params, buckets) };
    return this.#reducer.r;
  }

  /**
   * Averages the gradients of the parameters that require one over every rank, in place. Call it on every rank
   * after each backward and before the optimizer's step. Buckets (about bucketCapMb each, in reverse parameter
   * order) start their all-reduce during backward as soon as their gradients are in; this waits for them all. A
   * parameter without a gradient counts as a zero one (as PyTorch's find_unused_parameters does) and gets the average.
   */
  async syncGradients(): Promise<void> {
    const fn = 'DistributedDataParallel.syncGradients';
    named(fn, () => dist.getWorldSize());
    this.lastLaunchedInBackward = await this.#hooks(fn).finish(fn);
  }

  /** Removes the gradient hooks from the module's parameters (the Learner does it when its fit ends); the next
   * syncGradients puts them back. */
  release(): void {
    this.#reducer?.r.release();
    this.#reducer = null;
  }

  override extraRepr(): string {
    return `bucketCapMb=${this.bucketCapMb}, broadcastBuffers=${this.broadcastBuffers}`;
  }
}

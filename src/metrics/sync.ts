// Combining a metric's state across the ranks of a data-parallel validation, where rank r of W saw the items
// r, r + W, r + 2W... of the validation set (an unpadded shard): sums are all-reduced, kept predictions are
// all-gathered and put back in dataset order.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

const dist = torch.distributed;

/** What a metric needs to know to combine its state: the validation set's length. */
export interface RankSync {
  /** Items in the whole validation set. */
  items: number;
}

/** The element-wise sums over the ranks of small float64 vectors (one host read). */
export async function sumOverRanks(values: number[]): Promise<number[]> {
  const t = torch.tensor(values, { dtype: 'float64' });
  try {
    await dist.allReduce(t);
    return Array.from(t.toTypedArray() as Float64Array);
  } finally {
    t.dispose();
  }
}

/** A tensor summed over the ranks (on its own device; copied to the CPU for Gloo when it is elsewhere). */
export async function tensorSumOverRanks(t: Tensor): Promise<Tensor> {
  const c = torch.tidy(() => t.detach().to({ device: 'cpu' }).contiguous().clone());
  await dist.allReduce(c);
  if (t.device === 'cpu') return c;
  const out = c.to({ device: t.device });
  c.dispose();
  return out;
}

/**
 * Every rank's rows of `local` (this rank's items in shard order, along dim 0), all of them in dataset order:
 * rank r's j-th row is item r + W j. Ranks hold ceil((n - r) / W) rows; each is padded to the longest and the
 * padding dropped after interleaving (it lands past item n).
 */
export async function gatherInOrder(local: Tensor, items: number): Promise<Tensor> {
  const w = dist.getWorldSize();
  const m = Math.ceil(items / w);
  const rows = local.shape[0] ?? 0;
  const rest = local.shape.slice(1);
  const padded = torch.tidy(() => {
    const c = local.detach().to({ device: 'cpu' }).contiguous();
    return rows === m ? c.clone() : torch.cat([c, torch.zeros([m - rows, ...rest], { dtype: c.dtype })], 0);
  });
  const parts = Array.from({ length: w }, () => torch.zeros([m, ...rest], { dtype: padded.dtype }));
  try {
    await dist.allGather(parts, padded);
    return torch.tidy(() =>
      torch
        .stack(parts, 1)
        .reshape([m * w, ...rest])
        .narrow(0, 0, items)
        .to({ device: local.device })
        .contiguous(),
    );
  } finally {
    padded.dispose();
    torch.dispose(parts);
  }
}

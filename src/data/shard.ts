// A DataLoader's shard for data-parallel training: PyTorch's torch.utils.data.DistributedSampler semantics. Every
// rank draws the same epoch order (same seed and epoch), pads it by repeating its head to a multiple of worldSize
// (or truncates it, with dropLast), and takes every worldSize-th item from position rank on.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkInt, checkOptions, fail } from '../torch/validate.js';

/** Which share of each epoch a loader hands out: rank `rank` of `worldSize`. */
export interface Shard {
  rank: number;
  worldSize: number;
  /** Truncate the order to a multiple of worldSize instead of padding it (DistributedSampler's drop_last). */
  dropLast?: boolean;
  /** false: no padding either, rank r takes the positions r, r + W... below n (the shards then differ by one item
   * at most; for evaluation, where a repeated item would count twice). Default true. */
  pad?: boolean;
}
export type ShardSpec = Readonly<Required<Shard>>;

/** null or undefined gives null (no shard); otherwise a checked, frozen shard. */
export function checkShard(fn: string, arg: string, v: unknown): ShardSpec | null {
  if (v === undefined || v === null) return null;
  const o = checkOptions(fn, v as Shard, ['rank', 'worldSize', 'dropLast', 'pad'], arg);
  const worldSize = checkInt(fn, `${arg}.worldSize`, o.worldSize, { min: 1 });
  const rank = checkInt(fn, `${arg}.rank`, o.rank, { min: 0 });
  if (rank >= worldSize) fail(fn, `${arg}.rank`, `an integer below worldSize (${worldSize})`, rank);
  const dropLast = o.dropLast === undefined ? false : checkBool(fn, `${arg}.dropLast`, o.dropLast);
  const pad = o.pad === undefined ? true : checkBool(fn, `${arg}.pad`, o.pad);
  if (dropLast && !pad) fail(fn, `${arg}.pad`, 'true (or dropLast false): dropLast already leaves no padding', pad);
  return Object.freeze({ rank, worldSize, dropLast, pad });
}

/** Items per rank and epoch out of n (DistributedSampler's num_samples). */
export function shardLength(n: number, s: ShardSpec): number {
  if (!s.pad) return Math.max(0, Math.ceil((n - s.rank) / s.worldSize));
  return s.dropLast ? Math.floor(n / s.worldSize) : Math.ceil(n / s.worldSize);
}

/**
 * This rank's part of an epoch's order over n items (`order`: a permutation, int64; null: dataset order), as an
 * int64 CPU tensor; `order` itself when there is one rank. Position p of the padded order is position p % n of
 * the order, and rank r takes positions r, r + W, r + 2W...
 */
export function shardOrder(order: Tensor | null, n: number, s: ShardSpec): Tensor | null {
  if (s.worldSize === 1) return order;
  const m = shardLength(n, s);
  // positions stay below n + worldSize: exact in a double
  const pos = new Float64Array(m);
  for (let j = 0; j < m; j++) pos[j] = (s.rank + s.worldSize * j) % n;
  return torch.tidy(() => {
    const p = torch.tensor(pos, { dtype: 'int64' });
    return order === null ? p : order.indexSelect(0, p);
  });
}

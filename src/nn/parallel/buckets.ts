// DistributedDataParallel's gradient buckets: parameters in reverse registration order (roughly the order backward
// produces their gradients, as PyTorch's DDP assumes), grouped by dtype and device up to a byte cap.
import type { Tensor } from '../../torch/index.js';

export interface Bucket {
  params: Tensor[];
  numel: number;
}

const BYTES: Record<string, number> = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2 };

export function makeBuckets(params: readonly Tensor[], capBytes: number): Bucket[] {
  const buckets: Bucket[] = [];
  const open = new Map<string, Bucket & { bytes: number }>();
  for (let i = params.length - 1; i >= 0; i--) {
    const p = params[i] as Tensor;
    const key = `${p.dtype}@${p.device}`;
    const n = p.numel();
    const bytes = n * (BYTES[p.dtype] ?? 4);
    let b = open.get(key);
    if (b !== undefined && b.bytes + bytes > capBytes && b.params.length > 0) {
      open.delete(key);
      b = undefined;
    }
    if (b === undefined) {
      b = { params: [], numel: 0, bytes: 0 };
      open.set(key, b);
      buckets.push(b);
    }
    b.params.push(p);
    b.numel += n;
    b.bytes += bytes;
  }
  return buckets.map(({ params: ps, numel }) => ({ params: ps, numel }));
}

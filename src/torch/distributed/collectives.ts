// PyTorch's collectives on the default group, in place, each returning a promise. Every rank must issue the same
// collectives in the same order: each is issued to c10d synchronously when called (before the first await), and
// waited for off the JS thread. Do not change or dispose the tensors before the promise settles.
import { isFloating } from '../dtype.js';
import { DistributedError } from '../errors.js';
import { native } from '../native.js';
import { stack } from '../ops.js';
import type { Tensor } from '../tensor.js';
import { checkArray, checkInt, checkOneOf, checkTensor, fail, named } from '../validate.js';
import { defaultGroup, type ProcessGroup } from './group.js';

/** PyTorch's torch.distributed.ReduceOp. */
export const ReduceOp = { SUM: 'sum', AVG: 'avg', PRODUCT: 'product', MIN: 'min', MAX: 'max' } as const;
export type ReduceOpName = (typeof ReduceOp)[keyof typeof ReduceOp];
const OPS = ['sum', 'avg', 'product', 'min', 'max'] as const;

function commTensor(fn: string, arg: string, t: unknown): Tensor {
  checkTensor(fn, arg, t);
  const x = t as Tensor;
  if (!x.isContiguous()) fail(fn, arg, 'a contiguous tensor (c10d reduces memory in place: call .contiguous() first)', x);
  return x;
}

function sameLayout(fn: string, arg: string, t: Tensor, like: Tensor): void {
  if (t.dtype !== like.dtype || t.device !== like.device || t.shape.join() !== like.shape.join()) {
    fail(fn, arg, `a tensor like the input (${like.dtype}[${like.shape.join(', ')}] on ${like.device})`, t);
  }
}

function commList(fn: string, arg: string, v: unknown, g: ProcessGroup, like: Tensor): Tensor[] {
  const ts = checkArray(fn, arg, v);
  if (ts.length !== g.worldSize) fail(fn, arg, `an array of ${g.worldSize} tensors (one per rank)`, v);
  return ts.map((t, i) => {
    const x = commTensor(fn, `${arg}[${i}]`, t);
    sameLayout(fn, `${arg}[${i}]`, x, like);
    return x;
  });
}

/** Issues the collective now; the promise settles when it completed on this rank. */
async function run(fn: string, g: ProcessGroup, issue: () => Promise<void>): Promise<void> {
  const p = named(fn, issue);
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw new DistributedError(`${fn}: failed on rank ${g.rank} of ${g.worldSize}: ${msg}`, {
      op: fn.replace('torch.distributed.', ''),
      rank: g.rank,
      torchMessage: msg,
      cause: e,
    });
  }
}

function checkAvg(fn: string, op: ReduceOpName, t: Tensor): void {
  if (op === 'avg' && !isFloating(t.dtype)) fail(fn, 'op', `'sum' for a ${t.dtype} tensor ('avg' needs floating point)`, op);
}

/** The all-reduce itself, issued now. 'avg' is Gloo's sum divided by the world size (Gloo has no AVG). */
async function reduce(fn: string, g: ProcessGroup, t: Tensor, op: ReduceOpName): Promise<void> {
  await run(fn, g, () => native.distAllReduce(g.handle(fn), [t._h], op === 'avg' ? 0 : OPS.indexOf(op)));
  if (op === 'avg') named(fn, () => t.div_(g.worldSize));
}

/** Reduces `tensor` over every rank, in place: every rank ends with the result ('avg' for floating-point tensors). */
export function allReduce(tensor: Tensor, op: ReduceOpName = 'sum'): Promise<void> {
  const fn = 'torch.distributed.allReduce';
  return (async () => {
    const t = commTensor(fn, 'tensor', tensor);
    const o = checkOneOf(fn, 'op', op, OPS);
    checkAvg(fn, o, t);
    await reduce(fn, defaultGroup(fn), t, o);
  })();
}

/** Copies rank `src`'s tensor into every rank's, in place. */
export function broadcast(tensor: Tensor, src = 0): Promise<void> {
  const fn = 'torch.distributed.broadcast';
  return (async () => {
    const t = commTensor(fn, 'tensor', tensor);
    const g = defaultGroup(fn);
    checkInt(fn, 'src', src, { min: 0, max: g.worldSize - 1 });
    await run(fn, g, () => native.distBroadcast(g.handle(fn), t._h, src));
  })();
}

/** Fills tensorList[r] with rank r's `tensor` (every rank's list: worldSize tensors shaped like `tensor`). */
export function allGather(tensorList: Tensor[], tensor: Tensor): Promise<void> {
  const fn = 'torch.distributed.allGather';
  return (async () => {
    const t = commTensor(fn, 'tensor', tensor);
    const g = defaultGroup(fn);
    const outs = commList(fn, 'tensorList', tensorList, g, t);
    await run(fn, g, () =>
      native.distAllGather(
        g.handle(fn),
        outs.map((x) => x._h),
        t._h,
      ),
    );
  })();
}

/** output = the reduction over ranks of each rank's inputList[rank]. Gloo has no reduce-scatter of its own: the
 * inputs are stacked, all-reduced and this rank's part copied out (twice the traffic of a native one). */
export function reduceScatter(output: Tensor, inputList: Tensor[], op: ReduceOpName = 'sum'): Promise<void> {
  const fn = 'torch.distributed.reduceScatter';
  return (async () => {
    const out = commTensor(fn, 'output', output);
    const o = checkOneOf(fn, 'op', op, OPS);
    checkAvg(fn, o, out);
    const g = defaultGroup(fn);
    const ins = commList(fn, 'inputList', inputList, g, out);
    const all = named(fn, () => stack(ins));
    try {
      await reduce(fn, g, all, o);
      named(fn, () => out.copy_(all.select(0, g.rank)));
    } finally {
      all.dispose();
    }
  })();
}

/** Resolves once every rank has reached its barrier. */
export function barrier(): Promise<void> {
  const fn = 'torch.distributed.barrier';
  return (async () => {
    const g = defaultGroup(fn);
    await run(fn, g, () => native.distBarrier(g.handle(fn)));
  })();
}

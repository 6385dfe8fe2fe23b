// The default collate: a list of items to one batch. Tensors are stacked, numbers become a tensor (int64 when
// all are integers, else float32: JavaScript cannot tell 1 from 1.0), booleans a bool tensor, and arrays and
// plain objects are collated position by position / key by key (PyTorch's default_collate).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkTensor, describe, isPlainObject, isTensorLike } from '../torch/validate.js';

export type Batch = Tensor | Batch[] | { [key: string]: Batch };

const FN = 'data.defaultCollate';
// deeper than any real item; a cyclic item would otherwise overflow the stack
const MAX_DEPTH = 32;

function refuse(where: string, msg: string): never {
  // where: the path into the items ('[1].x'), shortened when a deep nesting made it long
  const at = where.length > 60 ? `${where.slice(0, 30)}...${where.slice(-27)}` : where;
  throw new torch.FlintError(`${FN}: ${at ? `${at}: ` : ''}${msg}`);
}

/** A plain record of fields to collate (arrays and tensors are handled before). */
function isPlain(v: unknown): v is Record<string, unknown> {
  return !Array.isArray(v) && !isTensorLike(v) && isPlainObject(v);
}

function collate(items: readonly unknown[], where: string, depth: number): Batch {
  if (depth > MAX_DEPTH) refuse(where, `items nested more than ${MAX_DEPTH} levels deep (a cycle?)`);
  const first = items[0];
  if (isTensorLike(first)) {
    const f = checkTensor(FN, `items[0]${where}`, first as Tensor);
    items.forEach((t, i) => {
      if (!isTensorLike(t)) refuse(where, `item ${i} is ${describe(t)}, but item 0 is a tensor`);
      checkTensor(FN, `items[${i}]${where}`, t);
      const s = (t as Tensor).shape;
      if (s.join() !== f.shape.join()) refuse(where, `item ${i} has shape [${s.join(', ')}], item 0 [${f.shape.join(', ')}]`);
      if ((t as Tensor).device !== f.device) refuse(where, `item ${i} is on ${(t as Tensor).device}, item 0 on ${f.device}`);
    });
    return torch.stack(items as Tensor[], 0);
  }
  if (typeof first === 'number') {
    items.forEach((v, i) => {
      if (typeof v !== 'number') refuse(where, `item ${i} is ${describe(v)}, but item 0 is a number`);
    });
    const nums = items as number[];
    return torch.tensor(nums, { dtype: nums.every(Number.isSafeInteger) ? 'int64' : 'float32' });
  }
  if (typeof first === 'boolean') {
    items.forEach((v, i) => {
      if (typeof v !== 'boolean') refuse(where, `item ${i} is ${describe(v)}, but item 0 is a boolean`);
    });
    return torch.tensor(items as boolean[]);
  }
  if (Array.isArray(first)) {
    const n = first.length;
    items.forEach((it, i) => {
      if (!Array.isArray(it) || it.length !== n) refuse(where, `item ${i} is ${describe(it)}, not an array of ${n} entries like item 0`);
    });
    if (n === 0) refuse(where, 'items are empty arrays: nothing to batch');
    return Array.from({ length: n }, (_, k) =>
      collate(
        items.map((it) => (it as unknown[])[k]),
        `${where}[${k}]`,
        depth + 1,
      ),
    );
  }
  if (isPlain(first)) {
    const keys = Object.keys(first);
    if (keys.length === 0) refuse(where, 'items are empty objects: nothing to batch');
    items.forEach((it, i) => {
      if (!isPlain(it) || Object.keys(it).length !== keys.length || keys.some((k) => !Object.hasOwn(it, k))) {
        refuse(where, `item ${i} is ${describe(it)}, not an object with the keys of item 0 (${keys.join(', ')})`);
      }
    });
    // own entries only, so keys such as __proto__ stay data and never reach a prototype
    const out: Record<string, Batch> = Object.create(null) as Record<string, Batch>;
    for (const k of keys) {
      Object.defineProperty(out, k, {
        value: collate(
          items.map((it) => (it as Record<string, unknown>)[k]),
          `${where}.${k}`,
          depth + 1,
        ),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return Object.setPrototypeOf(out, Object.prototype) as Record<string, Batch>;
  }
  return refuse(where, `cannot batch items of type ${first === null ? 'null' : typeof first} (${describe(first)})`);
}

export function defaultCollate(items: readonly unknown[]): Batch {
  checkArray(FN, 'items', items);
  if (items.length === 0) refuse('', 'empty batch (no items)');
  // built in a scope: a failure part way through frees the parts already stacked
  return torch.tidy(() => collate(items, '', 0));
}

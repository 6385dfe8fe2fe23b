// Automatic mixed precision (PyTorch's torch.autocast): inside a region, libtorch runs the ops on its
// lower-precision list (matmul, linear, convolutions...) in bfloat16 or float16 and the rest in float32.
// The switches are thread-local in libtorch and Node runs every op on its main thread.
import { native } from './native.js';
import { dtypeCode, dtypeFromCode, toDType, type DType } from './dtype.js';
import { TorchError } from './errors.js';
import { runThenRestore } from './restore.js';
import { checkFunction, checkOneOf, checkOptions, fail } from './validate.js';

const DEVICE_TYPES: readonly AutocastDevice[] = ['cpu', 'cuda'];

export type AutocastDevice = 'cpu' | 'cuda';

export interface AutocastState {
  enabled: boolean;
  dtype: DType;
}

/** Whether autocast is on for a device type, and its dtype. */
export function autocastState(deviceType: AutocastDevice): AutocastState {
  checkOneOf('torch.autocastState', 'deviceType', deviceType, DEVICE_TYPES);
  const s = native.autocastState(deviceType) as { enabled: boolean; dtype: number };
  return { enabled: s.enabled, dtype: dtypeFromCode(s.dtype) };
}

/**
 * Enters an autocast region and returns the function that leaves it (restoring the previous state and, when
 * the outermost region ends, dropping libtorch's cache of low-precision weight copies). For regions that do
 * not nest lexically, such as a callback entering in beforeBatch and leaving in afterLoss.
 */
export function enterAutocast(
  deviceType: AutocastDevice,
  opts?: { dtype?: DType | string; enabled?: boolean },
  fn = 'torch.enterAutocast',
): () => void {
  checkOneOf(fn, 'deviceType', deviceType, DEVICE_TYPES);
  const o = checkOptions(fn, opts, ['dtype', 'enabled', 'deviceType']);
  const dtype = toDType(o.dtype ?? (deviceType === 'cuda' ? 'float16' : 'bfloat16'), fn, 'opts.dtype');
  if (dtype !== 'float16' && dtype !== 'bfloat16') fail(fn, 'opts.dtype', "'float16' or 'bfloat16'", dtype);
  const enabled = o.enabled ?? true;
  if (typeof enabled !== 'boolean') fail(fn, 'opts.enabled', 'a boolean', enabled);
  if (deviceType === 'cpu' && dtype === 'float16' && !native.torchVersion.startsWith('2.')) {
    throw new TorchError(`${fn}: libtorch ${native.torchVersion} supports only bfloat16 on the CPU`);
  }
  const prev = autocastState(deviceType);
  native.setAutocast(deviceType, enabled, dtypeCode(dtype));
  native.autocastEnter();
  let left = false;
  return () => {
    if (left) return;
    left = true;
    native.autocastExit();
    native.setAutocast(deviceType, prev.enabled, dtypeCode(prev.dtype));
  };
}

/** Runs fn inside an autocast region (PyTorch's `with torch.autocast(device_type, dtype)`); fn may be async. */
export function autocast<T>(o: { deviceType: AutocastDevice; dtype?: DType | string; enabled?: boolean }, fn: () => T): T {
  checkOptions('torch.autocast', o, ['deviceType', 'dtype', 'enabled']);
  if (o === undefined) fail('torch.autocast', 'o', 'an options object { deviceType, dtype?, enabled? }', o);
  checkFunction('torch.autocast', 'fn', fn);
  return runThenRestore(fn, enterAutocast(o.deviceType, o, 'torch.autocast'));
}

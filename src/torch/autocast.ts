// Automatic mixed precision (PyTorch's torch.autocast): inside a region, libtorch runs the ops on its
// lower-precision list (matmul, linear, convolutions...) in bfloat16 or float16 and the rest in float32.
// The switches are thread-local in libtorch and Node runs every op on its main thread.
import { native } from './native.js';
import { dtypeCode, dtypeFromCode, toDType, type DType } from './dtype.js';
import { TorchError } from './errors.js';
import { runThenRestore } from './restore.js';

export type AutocastDevice = 'cpu' | 'cuda';

export interface AutocastState { enabled: boolean; dtype: DType }

/** Whether autocast is on for a device type, and its dtype. */
export function autocastState(deviceType: AutocastDevice): AutocastState {
  const s = native.autocastState(deviceType) as { enabled: boolean; dtype: number };
  return { enabled: s.enabled, dtype: dtypeFromCode(s.dtype) };
}

/**
 * Enters an autocast region and returns the function that leaves it (restoring the previous state and, when
 * the outermost region ends, dropping libtorch's cache of low-precision weight copies). For regions that do
 * not nest lexically, such as a callback entering in beforeBatch and leaving in afterLoss.
 */
export function enterAutocast(deviceType: AutocastDevice, o: { dtype?: DType | string; enabled?: boolean } = {}): () => void {
  const dtype = toDType(o.dtype ?? (deviceType === 'cuda' ? 'float16' : 'bfloat16'));
  if (dtype !== 'float16' && dtype !== 'bfloat16') {
    throw new TorchError(`autocast: dtype must be 'float16' or 'bfloat16', got '${dtype}'`);
  }
  if (deviceType === 'cpu' && dtype === 'float16' && !native.torchVersion.startsWith('2.')) {
    throw new TorchError(`autocast: libtorch ${native.torchVersion} supports only bfloat16 on the CPU`);
  }
  const prev = autocastState(deviceType);
  native.setAutocast(deviceType, o.enabled ?? true, dtypeCode(dtype));
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
  return runThenRestore(fn, enterAutocast(o.deviceType, o));
}

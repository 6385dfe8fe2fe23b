// Where new parameters live: PyTorch's factory keyword arguments (device, dtype) for every layer.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

export interface FactoryOptions {
  device?: string;
  dtype?: string;
}

/** An uninitialized parameter tensor (the layer's resetParameters fills it, as in PyTorch). */
export function emptyParam(shape: number[], o: FactoryOptions): Tensor {
  return torch.empty(shape, { device: o.device, dtype: o.dtype ?? 'float32' });
}

/** Checks a layer size argument: a positive integer. */
export function positiveInt(name: string, v: number, layer: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new torch.TorchError(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

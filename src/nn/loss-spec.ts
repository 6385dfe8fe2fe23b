// A loss function as data: its class name, its scalar options and its class-weight tensors, so an exported
// Learner can rebuild it in a fresh process (predict needs its activation and decodes; further training, the
// rest). Only the loss classes of nn are describable; a plain function is not.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import * as losses from './loss.js';
import * as flat from './flat-loss.js';

type LossClass = new (o: Record<string, unknown>) => object;
const CLASSES: Record<string, LossClass> = {
  CrossEntropyLoss: losses.CrossEntropyLoss, NLLLoss: losses.NLLLoss, MSELoss: losses.MSELoss, L1Loss: losses.L1Loss,
  SmoothL1Loss: losses.SmoothL1Loss, HuberLoss: losses.HuberLoss, BCELoss: losses.BCELoss, BCEWithLogitsLoss: losses.BCEWithLogitsLoss,
  CrossEntropyLossFlat: flat.CrossEntropyLossFlat, BCEWithLogitsLossFlat: flat.BCEWithLogitsLossFlat, MSELossFlat: flat.MSELossFlat,
} as unknown as Record<string, LossClass>;
const SCALARS = ['reduction', 'ignoreIndex', 'labelSmoothing', 'beta', 'delta', 'axis', 'flatten', 'floatify', 'thresh'];
const TENSORS = ['weight', 'posWeight'];

export interface LossSpec {
  name: string;
  options: Record<string, number | boolean | string>;
}

/** The loss's spec and its weight tensors, or null when it is not one of nn's loss classes. */
export function lossSpec(lossFunc: unknown): { spec: LossSpec; tensors: Record<string, Tensor> } | null {
  if (typeof lossFunc !== 'object' || lossFunc === null) return null;
  const name = lossFunc.constructor.name;
  if (CLASSES[name] !== lossFunc.constructor) return null;
  // a flattened loss keeps the wrapped loss's options on `func`
  const sources = [lossFunc as Record<string, unknown>, ((lossFunc as { func?: object }).func ?? {}) as Record<string, unknown>];
  const options: Record<string, number | boolean | string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const src of sources) {
    for (const k of SCALARS) {
      const v = src[k];
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') options[k] = v;
    }
    for (const k of TENSORS) if (src[k] instanceof torch.Tensor) tensors[k] = src[k] as Tensor;
  }
  // a flattened BCE with posWeight cannot be flattened (its constructor insists)
  if (tensors.posWeight && name === 'BCEWithLogitsLossFlat') delete options.flatten;
  return { spec: { name, options }, tensors };
}

/** Rebuilds a loss from lossSpec's output. */
export function lossFromSpec(spec: LossSpec, tensors: Record<string, Tensor> = {}): object {
  const Cls = CLASSES[spec.name];
  if (!Cls) throw new torch.TorchError(`lossFromSpec: unknown loss '${spec.name}' (known: ${Object.keys(CLASSES).join(', ')})`);
  return new Cls({ ...spec.options, ...tensors });
}

// A loss function as data: its class name, its scalar options and its class-weight tensors, so an exported
// Learner can rebuild it in a fresh process (predict needs its activation and decodes; further training, the
// rest). Only the loss classes of nn are describable; a plain function is not.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import * as losses from './loss.js';
import * as flat from './flat-loss.js';
import { checkString, checkTensor, fail, nameError, checkOptions } from './check.js';

type LossClass = new (o: Record<string, unknown>) => object;
const CLASSES: Record<string, LossClass> = {
  CrossEntropyLoss: losses.CrossEntropyLoss,
  NLLLoss: losses.NLLLoss,
  MSELoss: losses.MSELoss,
  L1Loss: losses.L1Loss,
  SmoothL1Loss: losses.SmoothL1Loss,
  HuberLoss: losses.HuberLoss,
  BCELoss: losses.BCELoss,
  BCEWithLogitsLoss: losses.BCEWithLogitsLoss,
  CrossEntropyLossFlat: flat.CrossEntropyLossFlat,
  BCEWithLogitsLossFlat: flat.BCEWithLogitsLossFlat,
  MSELossFlat: flat.MSELossFlat,
} as unknown as Record<string, LossClass>;
const SCALARS = ['reduction', 'ignoreIndex', 'labelSmoothing', 'beta', 'delta', 'axis', 'flatten', 'floatify', 'thresh'];
// the scalar options each class takes
const FLAT = ['axis', 'flatten', 'floatify'];
const KEYS: Record<string, readonly string[]> = {
  CrossEntropyLoss: ['reduction', 'ignoreIndex', 'labelSmoothing'],
  NLLLoss: ['reduction', 'ignoreIndex'],
  MSELoss: ['reduction'],
  L1Loss: ['reduction'],
  SmoothL1Loss: ['reduction', 'beta'],
  HuberLoss: ['reduction', 'delta'],
  BCELoss: ['reduction'],
  BCEWithLogitsLoss: ['reduction'],
  CrossEntropyLossFlat: [...FLAT, 'reduction', 'ignoreIndex', 'labelSmoothing'],
  BCEWithLogitsLossFlat: [...FLAT, 'thresh', 'reduction'],
  MSELossFlat: [...FLAT, 'reduction'],
};
const TENSORS = ['weight', 'posWeight'];

export interface LossSpec {
  name: string;
  options: Record<string, number | boolean | string>;
}

/** The loss's spec and its weight tensors, or null when it is not one of nn's loss classes. */
export function lossSpec(lossFunc: unknown): { spec: LossSpec; tensors: Record<string, Tensor> } | null {
  if (typeof lossFunc !== 'object' || lossFunc === null) return null;
  const ctor = (lossFunc as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return null;
  const name = ctor.name;
  if (!Object.hasOwn(CLASSES, name) || CLASSES[name] !== ctor) return null;
  // a flattened loss keeps the wrapped loss's options on `func`
  const sources = [lossFunc as Record<string, unknown>, ((lossFunc as { func?: object }).func ?? {}) as Record<string, unknown>];
  const options: Record<string, number | boolean | string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const src of sources) {
    for (const k of KEYS[name]!) {
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
  const fn = 'nn.lossFromSpec';
  if (spec === undefined) fail(fn, 'spec', 'a loss spec { name, options } (as lossSpec returns)', spec);
  checkOptions(fn, spec, ['name', 'options'], 'spec');
  const name = checkString(fn, 'spec.name', spec.name);
  if (!Object.hasOwn(CLASSES, name)) fail(fn, 'spec.name', `one of the losses ${Object.keys(CLASSES).join(', ')}`, name);
  const opts = checkOptions(fn, spec.options ?? {}, SCALARS, 'spec.options');
  for (const [k, v] of Object.entries(opts)) {
    if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string') fail(fn, `spec.options.${k}`, 'a number, a boolean or a string', v);
  }
  checkOptions(fn, tensors, TENSORS, 'tensors');
  for (const [k, t] of Object.entries(tensors)) checkTensor(fn, `tensors.${k}`, t);
  try {
    return new CLASSES[name]!({ ...opts, ...tensors });
  } catch (e) {
    throw nameError(fn, e);
  }
}

// The model registry: an exported Learner names its architecture and arguments instead of carrying code, so a
// fresh process rebuilds the same model with createModel(name, args) and loads the weights into it.
import * as torch from '../../torch/index.js';
import type { Module } from '../module.js';

export type ModelArgs = Record<string, unknown>;
export type ModelFactory = (args: ModelArgs) => Module;
export interface ModelSpec { name: string; args: ModelArgs }

const factories = new Map<string, ModelFactory>();
const specs = new WeakMap<Module, ModelSpec>();

/** Makes `name` buildable by createModel (and so by loadLearner). Registering another factory under a taken
 * name is an error; registering the same one again is allowed (a module imported twice). */
export function registerModel(name: string, factory: ModelFactory): void {
  const prev = factories.get(name);
  if (prev && prev !== factory) throw new torch.TorchError(`registerModel: a different factory is already registered as '${name}'`);
  factories.set(name, factory);
}

export function registeredModels(): string[] {
  return [...factories.keys()].sort();
}

/** The path of the first value that JSON would not keep as it is (functions, undefined, NaN, class instances). */
function nonJson(v: unknown, path: string): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const b = nonJson(v[i], `${path}[${i}]`); if (b) return b; }
    return null;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) { const b = nonJson(x, `${path}.${k}`); if (b) return b; }
    return null;
  }
  return path;
}

/** Builds a registered model and remembers how (its spec), for export. args must survive JSON. */
export function createModel(name: string, args: ModelArgs = {}): Module {
  const factory = factories.get(name);
  if (!factory) {
    throw new torch.TorchError(`createModel: no model '${name}' is registered (registered: ${registeredModels().join(', ') || 'none'}); ` +
      'import the module that calls registerModel for it first');
  }
  const bad = nonJson(args, 'args');
  if (bad) throw new torch.TorchError(`createModel('${name}'): the arguments must be plain JSON values (${bad} is not)`);
  const json = JSON.stringify(args);
  const model = factory(JSON.parse(json) as ModelArgs);
  specs.set(model, { name, args: JSON.parse(json) as ModelArgs });
  return model;
}

/** How a model was made by createModel, or undefined for a model built directly. */
export function modelSpec(model: Module): ModelSpec | undefined {
  return specs.get(model);
}

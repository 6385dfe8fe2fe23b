// The model registry: an exported Learner names its architecture and arguments instead of carrying code, so a
// fresh process rebuilds the same model with createModel(name, args) and loads the weights into it.
import * as torch from '../../torch/index.js';
import { Module } from '../module.js';
import { checkFunction, checkString, fail, isPlainObject, rewrite } from '../check.js';

export type ModelArgs = Record<string, unknown>;
export type ModelFactory = (args: ModelArgs) => Module;
export interface ModelSpec {
  name: string;
  args: ModelArgs;
}

const factories = new Map<string, ModelFactory>();
const specs = new WeakMap<Module, ModelSpec>();

/** Makes `name` buildable by createModel (and so by loadLearner). Registering another factory under a taken
 * name is an error; registering the same one again is allowed (a module imported twice). */
export function registerModel(name: string, factory: ModelFactory): void {
  const fn = 'models.registerModel';
  if (checkString(fn, 'name', name) === '') fail(fn, 'name', 'a non-empty name', name);
  checkFunction(fn, 'factory', factory);
  const prev = factories.get(name);
  if (prev && prev !== factory)
    throw new torch.ArgumentError(
      fn,
      'name',
      'a name not taken by a different factory',
      `'${name}', which a different factory is already registered as`,
    );
  factories.set(name, factory);
}

export function registeredModels(): string[] {
  return [...factories.keys()].sort();
}

/** The path of the first value that JSON would not keep as it is (functions, undefined, NaN, class instances). */
function nonJson(v: unknown, path: string, ancestors = new Set<object>()): string | null {
  if (typeof v !== 'object' || v === null) return leaf(v, path);
  if (ancestors.has(v)) return path; // a cycle: JSON cannot write it
  ancestors.add(v);
  const bad = inner(v, path, ancestors);
  ancestors.delete(v);
  return bad;
}
function leaf(v: unknown, path: string): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  return path;
}
function inner(v: object, path: string, seen: Set<object>): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = nonJson(v[i], `${path}[${i}]`, seen);
      if (b) return b;
    }
    return null;
  }
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const b = nonJson(x, `${path}.${k}`, seen);
      if (b) return b;
    }
    return null;
  }
  return path;
}

/** The value at a path that nonJson returned ('args.layers[2]'), for the error message. */
function valueAt(args: unknown, path: string): unknown {
  let v: unknown = args;
  for (const part of path
    .slice(4)
    .split(/\.|\[|\]/)
    .filter(Boolean)) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return path;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Builds a registered model and remembers how (its spec), for export. args must survive JSON. */
export function createModel(name: string, args: ModelArgs = {}): Module {
  const fn = 'models.createModel';
  checkString(fn, 'name', name);
  const factory = factories.get(name);
  if (!factory) {
    const registered = registeredModels().join(', ') || 'none';
    fail(fn, 'name', `a registered model (registered: ${registered}; import the module that calls registerModel for it first)`, name);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) fail(fn, 'args', 'an object of arguments', args);
  const bad = nonJson(args, 'args');
  if (bad) fail(fn, bad, 'plain JSON values in the arguments (numbers, strings, booleans, null, arrays, objects)', valueAt(args, bad));
  const json = JSON.stringify(args);
  let model: unknown;
  try {
    model = factory!(JSON.parse(json) as ModelArgs);
  } catch (e) {
    // the factory's own error, named after the call the user made
    if (!(e instanceof torch.FlintError))
      throw new torch.FlintError(`${fn}('${name}'): the factory threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    if (!e.message.includes('createModel')) rewrite(e, `${fn}('${name}'): ${e.message}`);
    throw e;
  }
  if (!(model instanceof Module)) fail(fn, `the factory of '${name}'`, 'a function returning a Module', model);
  specs.set(model as Module, { name, args: JSON.parse(json) as ModelArgs });
  return model as Module;
}

/** How a model was made by createModel, or undefined for a model built directly. */
export function modelSpec(model: Module): ModelSpec | undefined {
  if (!(model instanceof Module)) fail('models.modelSpec', 'model', 'a Module', model);
  return specs.get(model);
}

/** ImageNet's per-channel mean and std (RGB, images in [0, 1]): fastai's imagenet_stats. */
export const IMAGENET_STATS = Object.freeze({ mean: Object.freeze([0.485, 0.456, 0.406]), std: Object.freeze([0.229, 0.224, 0.225]) });

/** What transfer learning needs to know of an architecture (fastai's model_meta). */
export interface ModelMeta {
  /** Where the body ends: the model's children before this index (negative: from the end) are the body, the
   * rest (pooling, flatten, linear) is replaced by a new head. */
  cut: number;
  /** Indices into the body's children where a new parameter group starts; the groups are body[0:split[0]],
   * body[split[0]:split[1]], ..., then the head. */
  split: readonly number[];
  /** The normalisation statistics of the pretrained weights. */
  stats: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

const metas = new Map<string, ModelMeta>();

/** @internal For architecture modules: records an architecture's meta (kept frozen). */
export function setModelMeta(name: string, meta: ModelMeta): void {
  metas.set(name, Object.freeze({ cut: meta.cut, split: Object.freeze([...meta.split]), stats: meta.stats }));
}

/** fastai's model_meta for a built-in architecture: { cut, split, stats }. The resnets cut at -2 (before
 * avgpool and fc) and split at layer3 ([6]); the xresnets cut at -4 and split after the stem ([3]). */
export function modelMeta(name: string): ModelMeta {
  const fn = 'models.modelMeta';
  checkString(fn, 'name', name);
  const meta = metas.get(name);
  if (!meta) fail(fn, 'name', `an architecture with transfer-learning meta (${[...metas.keys()].sort().join(', ') || 'none'})`, name);
  return meta!;
}

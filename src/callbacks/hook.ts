// fastai's callback/hook.py: Hook and Hooks (a module hook whose function's result is kept in `stored`),
// hookOutput(s), dummyEval / modelSizes, and HookCallback, which hooks a model's layers for the length of a fit.
import * as torch from '../torch/index.js';
import { Tensor } from '../torch/index.js';
import { Module } from '../nn/index.js';
import type { RemovableHandle } from '../nn/index.js';
import { checkArray, checkBool, checkFunction, checkInt, checkOptions, fail } from '../torch/validate.js';
import { Callback } from '../learner/callback.js';
import type { AroundPhase } from '../learner/events.js';

/** What a hook function receives: the module, and its inputs and output (a forward hook) or the gradients of its
 * inputs and outputs (a backward hook); its result becomes the hook's `stored`. */
export type HookFunc = (module: Module, input: any, output: any) => unknown;

export interface HookOptions {
  /** A forward hook (default) or a backward one (Module.registerFullBackwardHook: input and output are then
   * gradInput and gradOutput). */
  isForward?: boolean;
  /** Detach the tensors given to the hook function (default true). */
  detach?: boolean;
  /** Copy them to the CPU (default false). */
  cpu?: boolean;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** The value with every tensor in it (at any depth of arrays and plain objects) replaced by f(tensor). */
function mapTensors(v: unknown, f: (t: Tensor) => Tensor): unknown {
  if (v instanceof Tensor) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapTensors(x, f));
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapTensors(x, f)]));
  return v;
}

function checkModule(fn: string, arg: string, m: unknown): Module {
  if (!(m instanceof Module)) fail(fn, arg, 'an nn.Module', m);
  return m as Module;
}

function hookOptions(fn: string, opts: unknown, defaults: { cpu: boolean }): Required<HookOptions> {
  const o = checkOptions(fn, opts as HookOptions | undefined, ['isForward', 'detach', 'cpu'], 'opts');
  return {
    isForward: o.isForward === undefined ? true : checkBool(fn, 'opts.isForward', o.isForward),
    detach: o.detach === undefined ? true : checkBool(fn, 'opts.detach', o.detach),
    cpu: o.cpu === undefined ? defaults.cpu : checkBool(fn, 'opts.cpu', o.cpu),
  };
}

/**
 * A hook on module `m` that keeps `hookFunc(module, input, output)`'s result in `stored` (fastai's Hook).
 * The tensors in the result (a tensor, or arrays and plain objects of them) outlive the batch that made them:
 * they stay until the next call replaces them (the previous ones are then freed) or until remove(), which frees
 * them; clone what must live longer. Other tensors the function makes are freed when it returns.
 * `using h = new Hook(...)` removes it at the end of the block.
 */
export class Hook {
  /** The last result of the hook function (undefined before the first call). */
  stored: unknown = undefined;
  removed = false;
  readonly #handle: RemovableHandle;
  readonly #hookFunc: HookFunc;
  readonly #detach: boolean;
  readonly #cpu: boolean;
  // own handles (aliases) of the tensors in `stored`: disposing them never frees a tensor someone else holds
  #kept: Tensor[] = [];

  constructor(m: Module, hookFunc: HookFunc, opts: HookOptions = {}) {
    const fn = 'callbacks.Hook';
    checkModule(fn, 'm', m);
    this.#hookFunc = checkFunction(fn, 'hookFunc', hookFunc);
    const o = hookOptions(fn, opts, { cpu: false });
    this.#detach = o.detach;
    this.#cpu = o.cpu;
    this.#handle = o.isForward
      ? m.registerForwardHook((mod, input, output) => {
          this.#run(mod, input, output);
        })
      : m.registerFullBackwardHook((mod, gradInput, gradOutput) => {
          this.#run(mod, gradInput, gradOutput);
        });
  }

  #run(module: Module, input: unknown, output: unknown): void {
    torch.tidy(() => {
      if (this.#detach) {
        const d = (t: Tensor): Tensor => (this.#cpu ? t.detach().cpu() : t.detach());
        input = mapTensors(input, d);
        output = mapTensors(output, d);
      }
      this.#store(this.#hookFunc(module, input, output));
    });
  }

  #store(result: unknown): void {
    const old = this.#kept;
    this.#kept = [];
    this.stored = mapTensors(result, (t) => {
      const own = t.as(t.constructor as Parameters<Tensor['as']>[0]).keep();
      this.#kept.push(own);
      return own;
    });
    for (const t of old) t.dispose();
  }

  /** Removes the hook from the module and frees what it stores (idempotent). */
  remove(): void {
    if (this.removed) return;
    this.#handle.remove();
    this.removed = true;
    for (const t of this.#kept) t.dispose();
    this.#kept = [];
    this.stored = undefined;
  }
  [Symbol.dispose](): void {
    this.remove();
  }
}

/** A Hook on each module of `ms` with the same function (fastai's Hooks): `hooks[i]` as `.hooks[i]` or `.at(i)`,
 * `.length`, `.stored` (each hook's), iteration, remove(), and `using`. */
export class Hooks {
  readonly hooks: Hook[];

  constructor(ms: Module[], hookFunc: HookFunc, opts: HookOptions = {}) {
    const fn = 'callbacks.Hooks';
    checkArray<unknown>(fn, 'ms', ms, 'an array of modules').forEach((m, i) => checkModule(fn, `ms[${i}]`, m));
    checkFunction(fn, 'hookFunc', hookFunc);
    hookOptions(fn, opts, { cpu: false });
    this.hooks = ms.map((m) => new Hook(m, hookFunc, opts));
  }
  get length(): number {
    return this.hooks.length;
  }
  /** The i-th hook (negative counts from the end). */
  at(i: number): Hook {
    checkInt('Hooks.at', 'i', i, { min: -this.hooks.length, max: this.hooks.length - 1 });
    return this.hooks.at(i)!;
  }
  get stored(): unknown[] {
    return this.hooks.map((h) => h.stored);
  }
  [Symbol.iterator](): Iterator<Hook> {
    return this.hooks[Symbol.iterator]();
  }
  /** Removes every hook and frees what they store. */
  remove(): void {
    for (const h of this.hooks) h.remove();
  }
  [Symbol.dispose](): void {
    this.remove();
  }
}

// fastai's _hook_inner: the output (or, for a backward hook, the output gradients)
const hookInner: HookFunc = (_m, _i, o) => o;

export interface HookOutputOptions {
  detach?: boolean;
  cpu?: boolean;
  /** Store the gradients of the outputs instead (a backward hook). */
  grad?: boolean;
}

function outputOptions(fn: string, opts: unknown): HookOptions {
  const o = checkOptions(fn, opts as HookOutputOptions | undefined, ['detach', 'cpu', 'grad'], 'opts');
  const grad = o.grad === undefined ? false : checkBool(fn, 'opts.grad', o.grad);
  return {
    ...(o.detach === undefined ? {} : { detach: checkBool(fn, 'opts.detach', o.detach) }),
    ...(o.cpu === undefined ? {} : { cpu: checkBool(fn, 'opts.cpu', o.cpu) }),
    isForward: !grad,
  };
}

/** A Hook storing the activations of `module` (with `grad`, the gradients of its outputs) (fastai's hook_output). */
export function hookOutput(module: Module, opts: HookOutputOptions = {}): Hook {
  const fn = 'callbacks.hookOutput';
  checkModule(fn, 'module', module);
  return new Hook(module, hookInner, outputOptions(fn, opts));
}

/** Hooks storing the activations of each of `modules` (fastai's hook_outputs). */
export function hookOutputs(modules: Module[], opts: HookOutputOptions = {}): Hooks {
  const fn = 'callbacks.hookOutputs';
  checkArray<unknown>(fn, 'modules', modules, 'an array of modules').forEach((m, i) => checkModule(fn, `modules[${i}]`, m));
  return new Hooks(modules, hookInner, outputOptions(fn, opts));
}

function checkSize(fn: string, size: unknown): number[] {
  const s = checkArray<unknown>(fn, 'size', size, 'an array of positive integers (the spatial size)');
  if (s.length > 3) fail(fn, 'size', 'at most 3 spatial sizes', size);
  return s.map((d, i) => checkInt(fn, `size[${i}]`, d, { min: 1, max: 4096 }));
}

/** Runs `m` in eval mode, without gradients, on one random input of the given spatial size (fastai's dummy_eval):
 * its channels are the first layer's (the input size of a first Linear, when size is []). The model's training
 * flags are restored afterwards. */
export function dummyEval(m: Module, size: number[] = [64, 64]): unknown {
  const fn = 'callbacks.dummyEval';
  checkModule(fn, 'm', m);
  const dims = checkSize(fn, size);
  const weighted = m.modules().find((x) => x.parameters(false).some((p) => p.shape.length >= 2));
  const first = weighted?.parameters(false).find((p) => p.shape.length >= 2);
  if (!first) throw new torch.FlintError(`${fn}: ${m.constructor.name} has no layer with a weight to read the input channels from`);
  const modes = m.modules().map((x) => x.training);
  m.eval();
  try {
    return torch.noGrad(() => {
      const x = torch.empty([1, first.shape[1]!, ...dims], { dtype: first.dtype, device: first.device }).uniform_(-1, 1);
      return m.call(x);
    });
  } finally {
    m.modules().forEach((x, i) => {
      x.training = modes[i]!;
    });
  }
}

/** The shape of each child's output for a dummy input of the given spatial size (fastai's model_sizes). */
export function modelSizes(m: Module, size: number[] = [64, 64]): number[][] {
  const fn = 'callbacks.modelSizes';
  checkModule(fn, 'm', m);
  checkSize(fn, size);
  using hooks = hookOutputs(m.children());
  torch.tidy(() => {
    dummyEval(m, size);
  });
  return hooks.stored.map((o) => (o instanceof Tensor ? [...o.shape] : []));
}

export interface HookCallbackOptions {
  /** The modules to hook; by default the model's leaf modules that have parameters. */
  modules?: Module[] | null;
  /** Hook every `every`-th training batch only (registered before it, removed after it); default every batch. */
  every?: number | null;
  /** Remove the hooks when the fit ends (default true); they are removed when it fails whatever this says. */
  removeEnd?: boolean;
  isForward?: boolean;
  detach?: boolean;
  /** Copy the tensors to the CPU (default false here, true in fastai: statistics stay on the device). */
  cpu?: boolean;
  /** Also hook leaf modules without parameters (ReLU...) when `modules` is not given. */
  includeParamless?: boolean;
}

const HOOK_CALLBACK_KEYS = ['modules', 'every', 'removeEnd', 'isForward', 'detach', 'cpu', 'includeParamless'];

/**
 * Registers hooks on `modules` for the length of a fit (fastai's HookCallback): subclasses override
 * `hook(module, input, output)`, whose results are in `this.hooks.stored`. The hooks run on training batches only
 * (validation batches are skipped), and are removed when the fit ends, however it ends (an error included; with
 * removeEnd: false they stay after a fit that completes, until the next fit replaces them).
 */
export class HookCallback extends Callback {
  modules: Module[] | null;
  every: number | null;
  removeEnd: boolean;
  isForward: boolean;
  detach: boolean;
  cpu: boolean;
  includeParamless: boolean;
  /** The hooks while registered, else null. */
  hooks: Hooks | null = null;
  #inFit = false;
  #thisBatch = false;

  constructor(opts: HookCallbackOptions = {}) {
    super();
    const fn = `callbacks.${new.target.name}`;
    const o = checkOptions(fn, opts, [...HOOK_CALLBACK_KEYS, ...this.extraOptionKeys()], 'opts');
    if (o.modules === undefined || o.modules === null) this.modules = null;
    else {
      checkArray<unknown>(fn, 'opts.modules', o.modules, 'an array of modules').forEach((m, i) => checkModule(fn, `opts.modules[${i}]`, m));
      this.modules = [...o.modules];
    }
    this.every = o.every === undefined || o.every === null ? null : checkInt(fn, 'opts.every', o.every, { min: 1 });
    const flag = (k: 'removeEnd' | 'isForward' | 'detach' | 'cpu' | 'includeParamless', d: boolean): boolean =>
      o[k] === undefined ? d : checkBool(fn, `opts.${k}`, o[k]);
    this.removeEnd = flag('removeEnd', true);
    this.isForward = flag('isForward', true);
    this.detach = flag('detach', true);
    this.cpu = flag('cpu', false);
    this.includeParamless = flag('includeParamless', false);
  }
  /** @internal options a subclass accepts besides HookCallback's. */
  protected extraOptionKeys(): string[] {
    return [];
  }

  /** What each hook stores for a module's call; fastai's noop by default (override it). */
  hook(_module: Module, _input: any, _output: any): unknown {
    return undefined;
  }

  override aroundPhases: readonly AroundPhase[] = ['fit'];
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit') return next();
    this.#remove(); // left by a previous fit with removeEnd: false
    let completed = false;
    this.#inFit = true;
    try {
      this.modules ??= this.learn.model.modules().filter((m) => m.children().length === 0 && (this.includeParamless || m.parameters().length > 0));
      if (this.every === null) this.#register();
      await next();
      completed = true;
    } finally {
      this.#inFit = false;
      if (this.removeEnd || !completed) this.#remove();
    }
  }
  override beforeBatch(): void {
    this.#thisBatch = false;
    if (this.every === null || !this.learn.training) return;
    if (this.learn.trainIter % this.every === 0) {
      this.#register();
      this.#thisBatch = true;
    }
  }
  override afterBatch(): void {
    if (this.#thisBatch) this.#remove();
    this.#thisBatch = false;
  }
  /** Whether the hooks ran in the current batch (a training batch, with every: one of the hooked ones). */
  protected hookedThisBatch(): boolean {
    return this.hooks !== null && this.learn.training && (this.every === null || this.#thisBatch);
  }

  #register(): void {
    this.#remove();
    const f: HookFunc = (m, i, o) => (this.#inFit && !this.learn.training ? undefined : this.hook(m, i, o));
    this.hooks = new Hooks(this.modules ?? [], f, { isForward: this.isForward, detach: this.detach, cpu: this.cpu });
  }
  #remove(): void {
    this.hooks?.remove();
    this.hooks = null;
  }
}

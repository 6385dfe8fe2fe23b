// nn.Module: PyTorch's module tree. Parameters, buffers and children are registered explicitly
// (`this.registerParameter('weight', t)`), in the order PyTorch would record attribute assignments, so names,
// iteration order and state-dict keys come out exactly as PyTorch writes them.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkFunction, checkString, checkTensor, fail } from '../torch/validate.js';
import { type ForwardHook, type ForwardPreHook, type FullBackwardHook, RemovableHandle, recordBackward } from './hooks.js';
import { nextCallSeq } from '../torch/backward-hooks.js';
import { checkDevice, checkOptions, isPlainObject, optBool, rewrite } from './check.js';

/** Where an error raised inside forward came from: the innermost module that was called, and its message. */
const WHERE = Symbol('flint.module.where');
type Located = Error & { [WHERE]?: { module: Module; message: string } };

/** Names the module in a Flint error raised by its forward: "Linear: <message>" from the module that failed,
 * "Net.body.0 (Linear): <message>" from the modules around it, so the error says which layer failed. */
function located(m: Module, e: unknown): unknown {
  if (!(e instanceof torch.FlintError)) return e;
  const err = e as Located;
  const cls = m.constructor.name;
  const where = err[WHERE];
  if (!where) {
    err[WHERE] = { module: m, message: e.message };
    if (!e.message.includes(cls)) rewrite(e, `${cls}: ${e.message}`);
    return e;
  }
  if (where.module === m) return e;
  const inner = where.module.constructor.name;
  const path = m.namedModules().find(([, x]) => x === where.module)?.[0];
  const what = where.message.includes(inner) ? '' : ` (${inner})`;
  rewrite(e, path ? `${cls}.${path}${what}: ${where.message}` : `${cls} > ${inner}: ${where.message}`);
  return e;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** PyTorch's _addindent: indents every line after the first. */
function indent(s: string, n: number): string {
  const lines = s.split('\n');
  return lines.length === 1 ? s : [lines[0], ...lines.slice(1).map((l) => ' '.repeat(n) + l)].join('\n');
}

export abstract class Module {
  /** Training mode (dropout active, batch norm updating its statistics); set with train() / eval(). */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, Module>();
  // hooks by handle id, in registration order (Maps keep insertion order), as PyTorch runs them
  readonly #forwardPreHooks = new Map<number, ForwardPreHook<Module>>();
  readonly #forwardHooks = new Map<number, ForwardHook<Module>>();
  readonly #backwardHooks = new Map<number, FullBackwardHook<Module>>();

  /** The computation. Most modules take and return tensors; recurrent and attention layers return tuples. */
  // `any` lets each subclass declare its own signature; call() re-exposes it with the subclass's types.
  abstract forward(...inputs: any[]): any;

  /** Runs the module: the short form of forward(), used everywhere in Flint (PyTorch's `module(x)`). */
  call<M extends Module>(this: M, ...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    try {
      if (this.#forwardPreHooks.size === 0 && this.#forwardHooks.size === 0 && this.#backwardHooks.size === 0) return this.forward(...inputs);
      return this.#callHooked(inputs) as ReturnType<M['forward']>;
    } catch (e) {
      throw located(this, e);
    }
  }
  #callHooked(inputs: unknown[]): unknown {
    // numbered at the start: backward reaches an outer module's inputs after its children's
    const seq = this.#backwardHooks.size > 0 && torch.isGradEnabled() ? nextCallSeq() : -1;
    let args = inputs;
    // copies: a hook may remove itself (or another) while they run
    for (const h of [...this.#forwardPreHooks.values()]) {
      const r = h(this, args);
      if (r !== undefined) args = Array.isArray(r) ? r : [r];
    }
    let out: unknown = this.forward(...args);
    for (const h of [...this.#forwardHooks.values()]) {
      const r = h(this, args, out);
      if (r !== undefined) out = r;
    }
    if (seq >= 0) recordBackward(this, seq, this.#backwardHooks, args, out);
    return out;
  }

  // ---- hooks ----
  /** Registers `hook(module, inputs)`, run by call() before forward; a returned array (or value) replaces the
   * inputs. Returns a handle whose remove() unregisters it (PyTorch's register_forward_pre_hook). */
  registerForwardPreHook<M extends Module>(this: M, hook: ForwardPreHook<M>): RemovableHandle {
    checkFunction('Module.registerForwardPreHook', 'hook', hook);
    const handle = new RemovableHandle(this.#forwardPreHooks);
    this.#forwardPreHooks.set(handle.id, hook as ForwardPreHook<Module>);
    return handle;
  }
  /** Registers `hook(module, inputs, output)`, run by call() after forward; a returned value other than undefined
   * replaces the output. Returns a handle whose remove() unregisters it (PyTorch's register_forward_hook). */
  registerForwardHook<M extends Module>(this: M, hook: ForwardHook<M>): RemovableHandle {
    checkFunction('Module.registerForwardHook', 'hook', hook);
    const handle = new RemovableHandle(this.#forwardHooks);
    this.#forwardHooks.set(handle.id, hook as ForwardHook<Module>);
    return handle;
  }

  /**
   * Registers `hook(module, gradInput, gradOutput)`, run when a backward reaches a call of this module made with
   * grad enabled: gradInput holds the gradients of the call's inputs (null for an input that is not a tensor or
   * does not require grad), gradOutput those of its outputs (PyTorch's register_full_backward_hook). Hooks of
   * several modules run in PyTorch's order: where backward reaches the call's inputs (so inner modules before the
   * module around them), or its outputs for a call none of whose inputs requires grad. Returns a handle whose
   * remove() unregisters it; a call made before the removal no longer fires it.
   *
   * The difference from PyTorch: there are no native tensor hooks, so the hooks run once backward() has returned,
   * not during it; they read the gradients but cannot replace them (a hook must return undefined). To that end the
   * call retains the gradients of its tensors (Tensor.retainGrad), and a call fires its hooks once, at the first
   * Tensor.backward reaching it (torch.autograd.grad fires none).
   */
  registerFullBackwardHook<M extends Module>(this: M, hook: FullBackwardHook<M>): RemovableHandle {
    checkFunction('Module.registerFullBackwardHook', 'hook', hook);
    const handle = new RemovableHandle(this.#backwardHooks);
    this.#backwardHooks.set(handle.id, hook as FullBackwardHook<Module>);
    return handle;
  }

  // ---- registration ----
  #checkName(fn: string, name: unknown): void {
    if (typeof name !== 'string' || !name || name.includes('.')) fail(fn, 'name', "a non-empty member name without '.'", name);
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new torch.ArgumentError(fn, 'name', `a name not yet registered in ${this.constructor.name}`, `'${name}', which is already registered`);
    }
  }
  /** Registers a trainable tensor (made a leaf that requires grad, exempt from tidy scopes); returns it. */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    const fn = 'Module.registerParameter';
    this.#checkName(fn, name);
    if (t !== null) {
      checkTensor(fn, 'param', t);
      if (!t.isLeaf) fail(fn, 'param', 'a leaf tensor (detach it first)', `${String(t.gradFn)}'s output`);
      // as PyTorch's: only floating-point (and complex) tensors can require gradients
      if (!torch.isFloating(t.dtype)) fail(fn, 'param', 'a floating-point tensor', t);
      if (!t.requiresGrad) t.requiresGrad_(true);
      t.keep();
    }
    this._parameters.set(name, t);
    return t;
  }
  /** Registers state that is not trained (running statistics...); persistent buffers go in the state dict. */
  registerBuffer<T extends Tensor | null>(name: string, t: T, opts: { persistent?: boolean } = {}): T {
    const fn = 'Module.registerBuffer';
    this.#checkName(fn, name);
    if (t !== null) checkTensor(fn, 'tensor', t);
    checkOptions(fn, opts, ['persistent'], 'opts');
    const persistent = optBool(fn, 'opts.persistent', opts.persistent, true);
    if (t !== null) t.keep();
    this._buffers.set(name, t);
    if (!persistent) this._nonPersistent.add(name);
    return t;
  }
  /** Registers a child module; returns it. */
  registerModule<M extends Module>(name: string, m: M): M {
    const fn = 'Module.registerModule';
    this.#checkName(fn, name);
    if (!(m instanceof Module)) fail(fn, 'module', 'a Module', m);
    this._modules.set(name, m);
    return m;
  }

  // ---- traversal ----
  namedChildren(): [string, Module][] {
    return [...this._modules];
  }
  children(): Module[] {
    return [...this._modules.values()];
  }
  /** This module and every descendant, depth first, each once. */
  namedModules(prefix = '', memo = new Set<Module>()): [string, Module][] {
    checkString('Module.namedModules', 'prefix', prefix);
    if (!(memo instanceof Set)) fail('Module.namedModules', 'memo', 'a Set of modules', memo);
    if (memo.has(this)) return [];
    memo.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this._modules) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name, memo));
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  #namedMembers(kind: '_parameters' | '_buffers', recurse: boolean): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const mods: [string, Module][] = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, m] of mods) {
      for (const [name, t] of m[kind]) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }
  /** (name, parameter) pairs with PyTorch's names ('0.weight', 'layers.1.bias'); shared ones once. */
  namedParameters(recurse = true): [string, Tensor][] {
    return this.#namedMembers('_parameters', optBool('Module.namedParameters', 'recurse', recurse, true));
  }
  parameters(recurse = true): Tensor[] {
    return this.#namedMembers('_parameters', optBool('Module.parameters', 'recurse', recurse, true)).map(([, t]) => t);
  }
  namedBuffers(recurse = true): [string, Tensor][] {
    return this.#namedMembers('_buffers', optBool('Module.namedBuffers', 'recurse', recurse, true));
  }
  buffers(recurse = true): Tensor[] {
    return this.#namedMembers('_buffers', optBool('Module.buffers', 'recurse', recurse, true)).map(([, t]) => t);
  }

  // ---- modes and bulk changes ----
  train(mode = true): this {
    optBool('Module.train', 'mode', mode, true);
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Applies fn to every descendant (children first) and then to this module, as PyTorch does. */
  apply(fn: (m: Module) => void): this {
    checkFunction('Module.apply', 'fn', fn);
    for (const m of this._modules.values()) m.apply(fn);
    fn(this);
    return this;
  }
  /** Moves or casts every parameter and buffer in place, keeping their identity (optimizers holding them stay
   * valid); a dtype applies to floating-point tensors only, so integer buffers keep their type. */
  to(target: string | { dtype?: string; device?: string }): this {
    const fn = 'Module.to';
    if (target === undefined) fail(fn, 'target', 'a dtype, a device, or { dtype, device }', target);
    const { dtype, device } =
      typeof target === 'string'
        ? torch.isDTypeName(target)
          ? { dtype: target }
          : { device: target }
        : checkOptions(fn, target as { dtype?: string; device?: string }, ['dtype', 'device'], 'target');
    // as PyTorch's: a module moves to floating-point dtypes only (integer buffers keep theirs)
    if (dtype !== undefined && (typeof dtype !== 'string' || !torch.isDTypeName(dtype) || !torch.isFloating(dtype as torch.DType))) {
      fail(fn, 'dtype', "a floating-point dtype ('float32', 'float64', 'float16', 'bfloat16')", dtype);
    }
    // a string that is not a dtype names a device: one of this machine's, checked before anything moves
    if (device !== undefined) checkDevice(fn, 'device', device);
    try {
      torch.tidy(() =>
        torch.noGrad(() => {
          for (const t of [...this.parameters(), ...this.buffers()]) {
            const spec = { device, dtype: dtype !== undefined && torch.isFloating(t.dtype) ? dtype : undefined };
            t.setData_(t.to(spec));
            const g = t.grad;
            if (g !== null) t.grad = g.to(spec);
          }
        }),
      );
    } catch (e) {
      // libtorch's failure (no memory on the device): its message, named after the call
      if (e instanceof torch.FlintError && !e.message.includes(fn)) rewrite(e, `${fn}: ${e.message}`);
      throw e;
    }
    return this;
  }
  /** Clears every parameter's gradient (sets it to null, PyTorch 2's default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
  requiresGrad_(flag = true): this {
    optBool('Module.requiresGrad_', 'flag', flag, true);
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }
  /** Frees every parameter and buffer now (the module is unusable afterwards). */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  // ---- state ----
  /** Parameters and persistent buffers by PyTorch key, as detached tensors sharing their storage. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string) => (prefix ? `${prefix}.${n}` : n);
      for (const [n, t] of m._parameters) if (t !== null) out[key(n)] = t.detach();
      for (const [n, t] of m._buffers) if (t !== null && !m._nonPersistent.has(n)) out[key(n)] = t.detach();
    }
    return out;
  }
  /** Copies values in by PyTorch key. strict (default): every key must match both ways. Shapes must match. */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const fn = 'Module.loadStateDict';
    if (!isPlainObject(dict)) fail(fn, 'dict', 'a record of tensors by key (as stateDict() returns)', dict);
    for (const [k, v] of Object.entries(dict)) checkTensor(fn, `dict['${k}']`, v);
    checkOptions(fn, opts, ['strict'], 'opts');
    const strict = optBool(fn, 'opts.strict', opts.strict, true);
    const own = new Map<string, Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string) => (prefix ? `${prefix}.${n}` : n);
      for (const [n, t] of m._parameters) if (t !== null) own.set(key(n), t);
      for (const [n, t] of m._buffers) if (t !== null && !m._nonPersistent.has(n)) own.set(key(n), t);
    }
    const missingKeys = [...own.keys()].filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      throw new torch.ArgumentError(
        fn,
        'dict',
        `the keys of ${this.constructor.name}'s state dict`,
        [
          missingKeys.length ? `missing keys ${missingKeys.map((k) => `'${k}'`).join(', ')}` : '',
          unexpectedKeys.length ? `unexpected keys ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')
          .slice(0, 2000),
      );
    }
    const mismatched: string[] = [];
    for (const [k, t] of own) {
      if (!Object.hasOwn(dict, k)) continue;
      const src = dict[k]!;
      if (src.shape.join() !== t.shape.join()) mismatched.push(`'${k}': checkpoint [${src.shape.join(', ')}], model [${t.shape.join(', ')}]`);
    }
    if (mismatched.length)
      throw new torch.ArgumentError(
        fn,
        'dict',
        `the shapes of ${this.constructor.name}'s parameters and buffers`,
        `shape mismatch for ${mismatched.join('; ')}`,
      );
    torch.noGrad(() => {
      for (const [k, t] of own) {
        if (Object.hasOwn(dict, k)) t.copy_(dict[k]!);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing ----
  /** The part inside the parentheses of this module's one-line form, e.g. 'in_features=4, out_features=2, bias=True'. */
  extraRepr(): string {
    return '';
  }
  /** PyTorch's repr: `Sequential(\n  (0): Linear(in_features=4, ...)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const lines = extra ? extra.split('\n') : [];
    for (const [name, m] of this._modules) lines.push(`(${name}): ${indent(m.toString(), 2)}`);
    const name = this.constructor.name;
    if (this._modules.size === 0 && lines.length <= 1) return `${name}(${extra})`;
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

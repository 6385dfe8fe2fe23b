// fastai's Optimizer: parameter groups (from a splitter), one record of hyper-parameters per group, freezing
// by group, and per-parameter state. Step rules (sgd.ts, adam.ts, ...) update a whole group at a time with
// libtorch's multi-tensor ops, so a step over many parameters is a handful of native calls.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkInt, checkNumber, checkOptions, checkString, checkTensor, describe, fail, type NumberRule } from '../torch/validate.js';
import { isPlainObject } from '../nn/check.js';

export type Hypers = Record<string, number>;
/** Per-parameter state: moving averages (tensors), the step count, and fastai's flags. */
export type ParamState = {
  step?: number;
  /** fastai's force_train: stays trainable when its group is frozen (batch-norm parameters by default). */
  forceTrain?: boolean;
  /** fastai's do_wd: false exempts the parameter from weight decay (biases and norm layers by default). */
  doWd?: boolean;
  [name: string]: Tensor | number | boolean | undefined;
};

/** A group as the step rule sees it: the parameters that have gradients, with their grads and states. */
export interface GroupStep {
  params: Tensor[];
  grads: Tensor[];
  states: ParamState[];
  hyper: Hypers;
}

/** A hyper-parameter value for setHyper: one for all groups, one per group, or fastai's slice (spread evenly). */
export type HyperValue = number | readonly number[] | { start?: number; stop: number };

export type ParamsInput = readonly Tensor[] | readonly (readonly Tensor[])[];

/** The ranges of the hyper-parameters the step rules read, as PyTorch's: momentum (SGD's, RMSprop's) and
 * RMSprop's alpha >= 0 with no upper bound, dampening any number; Adam's betas are kept below 1 by _below1.
 * Any other hyper-parameter must be a finite number. */
const RULES: Record<string, NumberRule> = {
  lr: { min: 0 },
  wd: { min: 0 },
  eps: { min: 0 },
  mom: { min: 0 },
  sqrMom: { min: 0 },
  dampening: {},
};

/** The options of the factories that are switches, not hyper-parameters. */
const FLAGS = ['decoupleWd', 'nesterov'];

/** The parameter groups: a non-empty array of live floating-point leaf tensors, or of arrays of them. */
export function checkParams(fn: string, params: unknown): Tensor[][] {
  const what = 'a non-empty array of parameters (tensors), or of parameter groups (arrays of tensors)';
  if (!Array.isArray(params)) fail(fn, 'params', what, params);
  const list = params as unknown[];
  if (list.length === 0) fail(fn, 'params', `${what} (got an empty parameter list)`, params);
  const nested = Array.isArray(list[0]);
  const groups = (nested ? list : [list]) as unknown[][];
  const seen = new Set<Tensor>();
  groups.forEach((g, i) => {
    if (!Array.isArray(g)) fail(fn, `params[${i}]`, 'a parameter group (an array of tensors), as the first item is', g);
    g.forEach((p, j) => {
      const arg = nested ? `params[${i}][${j}]` : `params[${j}]`;
      if (!(p instanceof torch.Tensor)) fail(fn, arg, 'a tensor (parameters must be tensors)', p);
      const t = checkTensor(fn, arg, p as Tensor);
      if (!torch.isFloating(t.dtype)) fail(fn, arg, 'a floating-point tensor', t);
      if (!t.isLeaf) fail(fn, arg, 'a leaf tensor (PyTorch cannot optimize a non-leaf tensor)', t);
      if (seen.has(t)) fail(fn, arg, 'each parameter once (a parameter appears in more than one group)', t);
      seen.add(t);
    });
  });
  return groups.map((g) => [...(g as Tensor[])]);
}

/** Options of a factory: a plain object with known keys only; each hyper-parameter within its range. */
export function checkRuleOptions(fn: string, o: unknown, known: readonly string[], below1: readonly string[] = []): Record<string, unknown> {
  const opts = checkOptions(fn, o as Record<string, unknown> | undefined, known);
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    if (FLAGS.includes(k)) {
      if (typeof v !== 'boolean') fail(fn, `options.${k}`, 'a boolean', v);
      continue;
    }
    checkHyper(fn, `options.${k}`, k, v, below1.includes(k));
  }
  return opts;
}

/** One hyper-parameter value within its rule (below1: strictly below 1, as Adam's betas). */
function checkHyper(fn: string, arg: string, name: string, v: unknown, below1: boolean): number {
  const rule = RULES[name] ?? {};
  checkNumber(fn, arg, v, rule);
  if (below1 && (v as number) >= 1) fail(fn, arg, 'a number >= 0 and < 1', v);
  return v as number;
}

/** A parameter group as step rules get it (for the helpers rules call). */
function checkGroup(fn: string, g: unknown): GroupStep {
  const o = g as GroupStep | null;
  if (
    !isPlainObject(o) ||
    !Array.isArray(o.params) ||
    !Array.isArray(o.grads) ||
    !Array.isArray(o.states) ||
    !isPlainObject(o.hyper) ||
    o.params.length !== o.states.length
  ) {
    fail(fn, 'group', 'a parameter group { params, grads, states, hyper } as step rules receive', g);
  }
  return o!;
}

/** Geometric steps from start to stop over n values (fastai's even_mults). */
export function evenMults(start: number, stop: number, n: number): number[] {
  const fn = 'optim.evenMults';
  checkNumber(fn, 'start', start, { gt: 0 });
  checkNumber(fn, 'stop', stop, { gt: 0 });
  // n counts parameter groups: a million is far beyond any model, and bounds the array made
  checkInt(fn, 'n', n, { min: 1, max: 1e6 });
  return mults(start, stop, n);
}
function mults(start: number, stop: number, n: number): number[] {
  if (n === 1) return [stop];
  const mult = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * mult ** i);
}

export abstract class Optimizer {
  // Not readonly only so that a wrapper (Lookahead) can share its inner optimizer's groups, hypers and state.
  paramLists: Tensor[][];
  hypers: Hypers[];
  state = new Map<Tensor, ParamState>();
  frozenIdx = 0;

  /** Decoupled weight decay (p *= 1 - lr wd, AdamW-style, fastai's default) or L2 (grad += wd p). */
  readonly decoupleWd: boolean;

  constructor(params: ParamsInput, defaults: Hypers, opts: { decoupleWd?: boolean } = {}) {
    const fn = 'optim.Optimizer';
    this.paramLists = checkParams(fn, params);
    if (!isPlainObject(defaults)) fail(fn, 'defaults', 'a record of hyper-parameters ({ lr: 1e-3, ... })', defaults);
    for (const [k, v] of Object.entries(defaults)) checkHyper(fn, `defaults.${k}`, k, v, this._below1(k));
    checkOptions(fn, opts, ['decoupleWd'], 'opts');
    if (opts.decoupleWd !== undefined && typeof opts.decoupleWd !== 'boolean') fail(fn, 'opts.decoupleWd', 'a boolean', opts.decoupleWd);
    this.decoupleWd = opts.decoupleWd ?? true;
    this.hypers = this.paramLists.map(() => ({}));
    for (const [k, v] of Object.entries(defaults))
      this.hypers.forEach((h) => {
        h[k] = v;
      });
  }

  /** Whether hyper-parameter `name` must be below 1 for this rule (Adam's moments); rules override it. */
  protected _below1(_name: string): boolean {
    return false;
  }

  /** The step rule: updates one group's parameters in place (called with grad mode off, inside a scope). */
  protected abstract update(group: GroupStep): void;

  /** [{ params, ...hypers }] per group, as PyTorch's param_groups. */
  get paramGroups(): ({ params: Tensor[] } & Hypers)[] {
    return this.paramLists.map((params, i) => ({ params, ...this.hypers[i]! }) as { params: Tensor[] } & Hypers);
  }

  /** The state of parameter p (created empty the first time); p must be one of the optimizer's parameters. */
  stateOf(p: Tensor): ParamState {
    checkTensor('Optimizer.stateOf', 'p', p);
    if (!this.paramLists.some((g) => g.includes(p))) fail('Optimizer.stateOf', 'p', "one of the optimizer's parameters", p);
    return this._stateOf(p);
  }
  /** stateOf without the membership check (hot path; setFlags may mark parameters outside the optimizer). */
  protected _stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** Sets a hyper-parameter for every group: one value, one per group, or { start, stop } spread geometrically
   * over the groups ({ stop } alone: stop/10 for all but the last, fastai's slice(lr)). */
  setHyper(name: string, value: HyperValue): void {
    this._setHyper('Optimizer.setHyper', name, value);
  }
  /** Checks every value before setting any, so a refused call changes nothing. */
  protected _setHyper(fn: string, name: string, value: HyperValue): void {
    if (checkString(fn, 'name', name) === '') fail(fn, 'name', 'a hyper-parameter name', name);
    const n = this.paramLists.length;
    const what = 'a number, an array of numbers (one per group) or { start, stop }';
    if (typeof value !== 'number' && !Array.isArray(value)) {
      if (!isPlainObject(value) || Object.keys(value).some((k) => k !== 'start' && k !== 'stop')) fail(fn, 'value', what, value);
      const v = value as { start?: unknown; stop?: unknown };
      checkNumber(fn, 'value.stop', v.stop);
      // fastai's slice: a start of 0 (or none) means stop/10 for all but the last group
      if (v.start !== undefined && v.start !== null) checkNumber(fn, 'value.start', v.start, { min: 0 });
      if (v.start && !((v.stop as number) > 0))
        fail(fn, 'value.stop', 'a positive number with a start (the values are spread geometrically)', v.stop);
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail(fn, 'value', what, value);
    }
    let values: number[];
    if (typeof value === 'number') values = new Array<number>(n).fill(value);
    else if (Array.isArray(value)) values = [...(value as number[])];
    else {
      const v = value as { start?: number; stop: number };
      values = v.start ? mults(v.start, v.stop, n) : [...new Array<number>(n - 1).fill(v.stop / 10), v.stop];
    }
    if (values.length === 1) values = new Array<number>(n).fill(values[0]!);
    if (values.length !== n)
      throw new torch.ArgumentError(
        fn,
        'value',
        `one value or ${n} values (one per parameter group)`,
        `${values.length} values for ${n} parameter groups`,
      );
    values.forEach((v, i) =>
      checkHyper(
        fn,
        Array.isArray(value) ? `value[${i}]` : typeof value === 'number' ? 'value' : 'value (spread over the groups)',
        name,
        v,
        this._below1(name),
      ),
    );
    values.forEach((v, i) => {
      this.hypers[i]![name] = v;
    });
  }
  /** Sets several hyper-parameters: { lr: 1e-3, mom: 0.9 } (each value as setHyper takes it). */
  setHypers(values: Record<string, HyperValue>): void {
    const fn = 'Optimizer.setHypers';
    if (!isPlainObject(values)) fail(fn, 'values', 'a record of hyper-parameters ({ lr: 1e-3, ... })', values);
    // all checked first: a refused call changes nothing
    const saved = this.hypers.map((h) => ({ ...h }));
    try {
      for (const [k, v] of Object.entries(values)) this._setHyper(fn, k, v);
    } catch (e) {
      saved.forEach((h, i) => {
        for (const k of Object.keys(this.hypers[i]!)) delete this.hypers[i]![k];
        Object.assign(this.hypers[i]!, h);
      });
      throw e;
    }
  }

  /** Updates every parameter that has a gradient, group by group. */
  step(): void {
    torch.tidy(() =>
      torch.noGrad(() => {
        this.paramLists.forEach((group, i) => {
          const params: Tensor[] = [];
          const grads: Tensor[] = [];
          for (const p of group) {
            const g = p.grad;
            if (g === null) continue;
            params.push(p);
            grads.push(g);
          }
          if (params.length) this.update({ params, grads, states: params.map((p) => this._stateOf(p)), hyper: this.hypers[i]! });
        });
      }),
    );
  }

  /** Zeroes the gradients in place (fastai's zero_grad: grad.detach_().zero_()). */
  zeroGrad(): void {
    torch.tidy(() => {
      const grads: Tensor[] = [];
      for (const g of this.paramLists)
        for (const p of g) {
          const gr = p.grad;
          if (gr !== null) grads.push(gr.detach_());
        }
      if (grads.length) torch.foreachZero_(grads);
    });
  }

  /** Groups before n get no gradient (except forceTrain parameters); groups from n on train. */
  freezeTo(n: number): void {
    const count = this.paramLists.length;
    checkInt('Optimizer.freezeTo', 'n', n);
    if (n >= count || n < -count) {
      throw new torch.ArgumentError(
        'Optimizer.freezeTo',
        'n',
        `a group index from ${-count} to ${count - 1}`,
        `${describe(n)}${n >= count ? ` (there are only ${count} parameter groups, so that would freeze them all)` : ''}`,
      );
    }
    this.frozenIdx = n >= 0 ? n : count + n;
    this.paramLists.forEach((g, i) => {
      for (const p of g) p.requiresGrad_(i >= this.frozenIdx || (this.state.get(p)?.forceTrain ?? false));
    });
  }
  /** Freezes every group but the last (needs at least two groups, as in fastai). */
  freeze(): void {
    if (this.paramLists.length < 2)
      throw new torch.TorchError('freeze(): the optimizer has a single parameter group; give a splitter that makes two or more');
    this.freezeTo(-1);
  }
  unfreeze(): void {
    this.freezeTo(0);
  }

  /** Marks parameters with fastai's flags (the Learner marks batch-norm and bias parameters this way). */
  setFlags(params: readonly Tensor[], flags: { forceTrain?: boolean; doWd?: boolean }): void {
    const fn = 'Optimizer.setFlags';
    if (!Array.isArray(params)) fail(fn, 'params', 'an array of tensors', params);
    params.forEach((p, i) => checkTensor(fn, `params[${i}]`, p));
    const f = checkOptions(fn, flags, ['forceTrain', 'doWd'], 'flags');
    for (const [k, v] of Object.entries(f)) {
      if (v !== undefined && typeof v !== 'boolean') fail(fn, `flags.${k}`, 'a boolean', v);
    }
    for (const p of params) Object.assign(this._stateOf(p), f);
  }

  /** Drops the moving averages and step counts, keeping the flags. */
  clearState(): void {
    for (const [p, s] of this.state) {
      for (const v of Object.values(s)) if (v instanceof torch.Tensor) v.dispose();
      this.state.set(p, { forceTrain: s.forceTrain, doWd: s.doWd });
    }
  }

  /** The state of every parameter (in group order) and the hypers, to resume training exactly. */
  stateDict(): { state: ParamState[]; hypers: Hypers[] } {
    const state: ParamState[] = [];
    for (const g of this.paramLists) {
      for (const p of g) {
        const s: ParamState = {};
        for (const [k, v] of Object.entries(this.state.get(p) ?? {})) s[k] = v instanceof torch.Tensor ? v.clone().keep() : v;
        state.push(s);
      }
    }
    return { state, hypers: this.hypers.map((h) => ({ ...h })) };
  }
  loadStateDict(sd: { state: ParamState[]; hypers: Hypers[] }): void {
    const fn = 'Optimizer.loadStateDict';
    const params = this.paramLists.flat();
    if (!isPlainObject(sd) || !Array.isArray(sd.state) || !Array.isArray(sd.hypers))
      fail(fn, 'sd', 'an optimizer state { state, hypers } (as stateDict() returns)', sd);
    if (sd.state.length !== params.length) {
      throw new torch.ArgumentError(
        fn,
        'sd.state',
        `the state of ${params.length} parameters`,
        `the state has ${sd.state.length} parameters, the optimizer ${params.length}`,
      );
    }
    if (sd.hypers.length !== this.hypers.length) {
      throw new torch.ArgumentError(
        fn,
        'sd.hypers',
        `${this.hypers.length} parameter groups`,
        `the state has ${sd.hypers.length} parameter groups, the optimizer ${this.hypers.length}`,
      );
    }
    // everything checked before anything changes
    sd.state.forEach((s, i) => {
      if (!isPlainObject(s)) fail(fn, `sd.state[${i}]`, 'a record of state values', s);
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof torch.Tensor) {
          checkTensor(fn, `sd.state[${i}].${k}`, v);
          const p = params[i]!;
          const t = v as Tensor;
          if (t.shape.join() !== p.shape.join()) fail(fn, `sd.state[${i}].${k}`, `a tensor of the parameter's shape [${p.shape.join(', ')}]`, t);
        } else if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'boolean' && v !== undefined) {
          fail(fn, `sd.state[${i}].${k}`, 'a tensor, a finite number or a boolean', v);
        }
      }
    });
    sd.hypers.forEach((h, i) => {
      if (!isPlainObject(h)) fail(fn, `sd.hypers[${i}]`, 'a record of hyper-parameters', h);
      for (const [k, v] of Object.entries(h)) checkHyper(fn, `sd.hypers[${i}].${k}`, k, v, this._below1(k));
    });
    this.clearState();
    params.forEach((p, i) => {
      const s: ParamState = {};
      for (const [k, v] of Object.entries(sd.state[i]!)) {
        if (v instanceof torch.Tensor) {
          s[k] = v.to({ dtype: p.dtype, device: p.device, copy: true }).keep();
        } else {
          s[k] = v;
        }
      }
      this.state.set(p, s);
    });
    sd.hypers.forEach((h, i) => Object.assign(this.hypers[i]!, h));
  }

  // ---- helpers for step rules ----
  /** The state tensor `name` for each parameter, created as zeros the first time. */
  protected buffers(group: GroupStep, name: string): Tensor[] {
    checkGroup('Optimizer.buffers', group);
    checkString('Optimizer.buffers', 'name', name);
    return group.params.map((p, i) => {
      const s = group.states[i]!;
      let t = s[name];
      if (!(t instanceof torch.Tensor)) {
        t = torch.zerosLike(p).keep();
        s[name] = t;
      }
      return t;
    });
  }
  /** Increments and returns each parameter's step count. */
  protected steps(group: GroupStep): number[] {
    checkGroup('Optimizer.steps', group);
    return group.states.map((s) => (s.step = (s.step ?? 0) + 1));
  }
  /** Weight decay: decoupled (p *= 1 - lr wd, AdamW-style) or L2 (grad += wd p), skipping doWd: false. */
  protected weightDecay(group: GroupStep): void {
    checkGroup('Optimizer.weightDecay', group);
    const { lr = 0, wd = 0 } = group.hyper;
    if (!wd) return;
    const idx = group.states.map((s, i) => (s.doWd === false ? -1 : i)).filter((i) => i >= 0);
    if (idx.length === 0) return;
    const ps = idx.map((i) => group.params[i]!);
    if (this.decoupleWd) torch.foreachMul_(ps, 1 - lr * wd);
    else
      torch.foreachAdd_(
        idx.map((i) => group.grads[i]!),
        ps,
        wd,
      );
  }
}

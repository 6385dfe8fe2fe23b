// fastai's Optimizer: parameter groups (from a splitter), one record of hyper-parameters per group, freezing
// by group, and per-parameter state. Step rules (sgd.ts, adam.ts, ...) update a whole group at a time with
// libtorch's multi-tensor ops, so a step over many parameters is a handful of native calls.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

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

/** Geometric steps from start to stop over n values (fastai's even_mults). */
export function evenMults(start: number, stop: number, n: number): number[] {
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
    this.decoupleWd = opts.decoupleWd ?? true;
    const list = [...params] as (Tensor | readonly Tensor[])[];
    if (list.length === 0) throw new torch.TorchError('Optimizer: got an empty parameter list');
    this.paramLists = Array.isArray(list[0]) ? (list as Tensor[][]).map((g) => [...g]) : [list as Tensor[]];
    const seen = new Set<Tensor>();
    for (const g of this.paramLists) {
      for (const p of g) {
        if (!(p instanceof torch.Tensor)) throw new torch.TorchError('Optimizer: parameters must be tensors');
        if (seen.has(p)) throw new torch.TorchError('Optimizer: a parameter appears in more than one group');
        seen.add(p);
      }
    }
    this.hypers = this.paramLists.map(() => ({}));
    this.setHypers(defaults);
  }

  /** The step rule: updates one group's parameters in place (called with grad mode off, inside a scope). */
  protected abstract update(group: GroupStep): void;

  /** [{ params, ...hypers }] per group, as PyTorch's param_groups. */
  get paramGroups(): ({ params: Tensor[] } & Hypers)[] {
    return this.paramLists.map((params, i) => ({ params, ...this.hypers[i]! }) as { params: Tensor[] } & Hypers);
  }

  stateOf(p: Tensor): ParamState {
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
    const n = this.paramLists.length;
    let values: number[];
    if (typeof value === 'number') values = new Array<number>(n).fill(value);
    else if (Array.isArray(value)) values = [...(value as number[])];
    else {
      const v = value as { start?: number; stop: number };
      values = v.start ? evenMults(v.start, v.stop, n) : [...new Array<number>(n - 1).fill(v.stop / 10), v.stop];
    }
    if (values.length === 1) values = new Array<number>(n).fill(values[0]!);
    if (values.length !== n) throw new torch.TorchError(`setHyper('${name}'): ${values.length} values for ${n} parameter groups`);
    values.forEach((v, i) => { this.hypers[i]![name] = v; });
  }
  setHypers(values: Record<string, HyperValue>): void {
    for (const [k, v] of Object.entries(values)) this.setHyper(k, v);
  }

  /** Updates every parameter that has a gradient, group by group. */
  step(): void {
    torch.tidy(() => torch.noGrad(() => {
      this.paramLists.forEach((group, i) => {
        const params: Tensor[] = [];
        const grads: Tensor[] = [];
        for (const p of group) {
          const g = p.grad;
          if (g === null) continue;
          params.push(p);
          grads.push(g);
        }
        if (params.length) this.update({ params, grads, states: params.map((p) => this.stateOf(p)), hyper: this.hypers[i]! });
      });
    }));
  }

  /** Zeroes the gradients in place (fastai's zero_grad: grad.detach_().zero_()). */
  zeroGrad(): void {
    torch.tidy(() => {
      const grads: Tensor[] = [];
      for (const g of this.paramLists) for (const p of g) { const gr = p.grad; if (gr !== null) grads.push(gr.detach_()); }
      if (grads.length) torch.foreachZero_(grads);
    });
  }

  /** Groups before n get no gradient (except forceTrain parameters); groups from n on train. */
  freezeTo(n: number): void {
    const count = this.paramLists.length;
    this.frozenIdx = n >= 0 ? n : count + n;
    if (this.frozenIdx >= count) {
      throw new torch.TorchError(`freezeTo(${n}): there are only ${count} parameter groups, so that would freeze them all`);
    }
    this.paramLists.forEach((g, i) => {
      for (const p of g) p.requiresGrad_(i >= this.frozenIdx || (this.state.get(p)?.forceTrain ?? false));
    });
  }
  /** Freezes every group but the last (needs at least two groups, as in fastai). */
  freeze(): void {
    if (this.paramLists.length < 2) throw new torch.TorchError('freeze(): the optimizer has a single parameter group; give a splitter that makes two or more');
    this.freezeTo(-1);
  }
  unfreeze(): void {
    this.freezeTo(0);
  }

  /** Marks parameters with fastai's flags (the Learner marks batch-norm and bias parameters this way). */
  setFlags(params: readonly Tensor[], flags: { forceTrain?: boolean; doWd?: boolean }): void {
    for (const p of params) Object.assign(this.stateOf(p), flags);
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
    const params = this.paramLists.flat();
    if (sd.state.length !== params.length) {
      throw new torch.TorchError(`loadStateDict: the state has ${sd.state.length} parameters, the optimizer ${params.length}`);
    }
    if (sd.hypers.length !== this.hypers.length) {
      throw new torch.TorchError(`loadStateDict: the state has ${sd.hypers.length} parameter groups, the optimizer ${this.hypers.length}`);
    }
    this.clearState();
    params.forEach((p, i) => {
      const s: ParamState = {};
      for (const [k, v] of Object.entries(sd.state[i]!)) {
        if (v instanceof torch.Tensor) {
          if (v.shape.join() !== p.shape.join()) throw new torch.TorchError(`loadStateDict: state '${k}' of parameter ${i} has shape [${v.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
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
    return group.states.map((s) => (s.step = (s.step ?? 0) + 1));
  }
  /** Weight decay: decoupled (p *= 1 - lr wd, AdamW-style) or L2 (grad += wd p), skipping doWd: false. */
  protected weightDecay(group: GroupStep): void {
    const { lr = 0, wd = 0 } = group.hyper;
    if (!wd) return;
    const idx = group.states.map((s, i) => (s.doWd === false ? -1 : i)).filter((i) => i >= 0);
    if (idx.length === 0) return;
    const ps = idx.map((i) => group.params[i]!);
    if (this.decoupleWd) torch.foreachMul_(ps, 1 - lr * wd);
    else torch.foreachAdd_(idx.map((i) => group.grads[i]!), ps, wd);
  }
}

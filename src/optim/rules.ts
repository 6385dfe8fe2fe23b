// The step rules. Each updates a whole parameter group with libtorch's multi-tensor ops. Where fastai and
// torch.optim differ in a detail (first momentum step, where eps sits), the torch.optim form is used, so a
// Flint optimizer reproduces its PyTorch counterpart (test/optim.test.ts).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { type GroupStep, type Hypers, Optimizer, type ParamsInput, checkParams, checkRuleOptions } from './optimizer.js';

const BASE_KEYS = ['lr', 'wd', 'decoupleWd'];
const ADAM_KEYS = [...BASE_KEYS, 'mom', 'sqrMom', 'eps'];
const MOMENTS = ['mom', 'sqrMom'];

/** A factory's arguments, checked under its public name before the optimizer is made. */
function checked<O>(fn: string, params: ParamsInput, o: O, known: readonly string[], below1: readonly string[] = []): O {
  checkParams(fn, params);
  checkRuleOptions(fn, o, known, below1);
  return (o ?? {}) as O;
}

/** Options every rule takes: a learning rate, weight decay, and whether the decay is decoupled. */
export interface BaseOptions {
  lr?: number;
  wd?: number;
  decoupleWd?: boolean;
}

function hypers(defaults: Hypers, o: Record<string, unknown>): Hypers {
  const out: Hypers = { ...defaults };
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && k in defaults) out[k] = v;
  return out;
}

/** Split params into those whose state already has `name` and those that do not. */
function partition(group: GroupStep, name: string): [number[], number[]] {
  const have: number[] = [];
  const fresh: number[] = [];
  group.states.forEach((s, i) => (s[name] instanceof torch.Tensor ? have : fresh).push(i));
  return [have, fresh];
}
const pick = <T>(xs: T[], idx: number[]): T[] => idx.map((i) => xs[i]!);

// ---------------------------------------------------------------- SGD
export interface SGDOptions extends BaseOptions {
  mom?: number;
  dampening?: number;
  nesterov?: boolean;
}
class SGDOptimizer extends Optimizer {
  constructor(
    params: ParamsInput,
    o: SGDOptions,
    readonly nesterov: boolean,
  ) {
    super(params, hypers({ lr: 1e-3, mom: 0, dampening: 0, wd: 0 }, { ...o }), { decoupleWd: o.decoupleWd });
    if (nesterov && !(o.mom && o.mom > 0 && !o.dampening)) {
      throw new torch.ArgumentError(
        'optim.SGD',
        'options.nesterov',
        'mom > 0 and no dampening with nesterov (nesterov needs mom > 0 and no dampening)',
        `mom ${o.mom ?? 0}, dampening ${o.dampening ?? 0}`,
      );
    }
  }
  protected update(group: GroupStep): void {
    const { lr, mom, dampening } = group.hyper as { lr: number; mom: number; dampening: number };
    this.weightDecay(group);
    if (!mom) {
      torch.foreachAdd_(group.params, group.grads, -lr);
      return;
    }
    // momentum buffer: the first step takes the gradient as it is (torch.optim), later ones average
    const [have, fresh] = partition(group, 'momentumBuffer');
    for (const i of fresh) group.states[i]!.momentumBuffer = group.grads[i]!.clone().keep();
    const bufs = pick(group.states, have).map((s) => s.momentumBuffer as Tensor);
    if (bufs.length) {
      torch.foreachMul_(bufs, mom);
      torch.foreachAdd_(bufs, pick(group.grads, have), 1 - dampening);
    }
    const all = group.states.map((s) => s.momentumBuffer as Tensor);
    if (this.nesterov) {
      torch.foreachAdd_(group.grads, all, mom); // g + mom * buf, in the gradient (fastai also edits grads)
      torch.foreachAdd_(group.params, group.grads, -lr);
    } else {
      torch.foreachAdd_(group.params, all, -lr);
    }
  }
}
/** SGD with optional momentum (mom), dampening and Nesterov momentum. */
export function SGD(params: ParamsInput, o: SGDOptions = {}): Optimizer {
  const opts = checked('optim.SGD', params, o, [...BASE_KEYS, 'mom', 'dampening', 'nesterov']);
  return new SGDOptimizer(params, opts, opts.nesterov ?? false);
}

// ---------------------------------------------------------------- Adam family
export interface AdamOptions extends BaseOptions {
  mom?: number;
  sqrMom?: number;
  eps?: number;
}
const ADAM_DEFAULTS = { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 };

/** Adam-like rules keep moving averages of the gradient and of its square (torch's exp_avg / exp_avg_sq). */
abstract class MomentsOptimizer extends Optimizer {
  constructor(params: ParamsInput, o: AdamOptions, defaults: Hypers) {
    super(params, hypers(defaults, { ...o }), { decoupleWd: o.decoupleWd });
  }
  /** As PyTorch's betas: the moving-average factors must be below 1 (the debiasing divides by 1 - mom^t). */
  protected override _below1(name: string): boolean {
    return MOMENTS.includes(name);
  }
  /** Weight decay, the step counts, and the updated averages: what every Adam-like step starts with. */
  protected begin(group: GroupStep): { lr: number; mom: number; sqrMom: number; eps: number; steps: number[]; avg: Tensor[]; sqr: Tensor[] } {
    const { lr, mom, sqrMom, eps } = group.hyper as { lr: number; mom: number; sqrMom: number; eps: number };
    this.weightDecay(group);
    const steps = this.steps(group);
    const avg = this.buffers(group, 'gradAvg');
    const sqr = this.buffers(group, 'sqrAvg');
    torch.foreachMul_(avg, mom);
    torch.foreachAdd_(avg, group.grads, 1 - mom);
    torch.foreachMul_(sqr, sqrMom);
    torch.foreachAddcmul_(sqr, group.grads, group.grads, 1 - sqrMom);
    return { lr, mom, sqrMom, eps, steps, avg, sqr };
  }
}

class AdamOptimizer extends MomentsOptimizer {
  constructor(params: ParamsInput, o: AdamOptions) {
    super(params, o, ADAM_DEFAULTS);
  }
  protected update(group: GroupStep): void {
    const { lr, mom, sqrMom, eps, steps, avg, sqr } = this.begin(group);
    // p -= lr / (1 - mom^t) * avg / (sqrt(sqr) / sqrt(1 - sqrMom^t) + eps)
    const denom = torch.foreachSqrt(sqr);
    torch.foreachMul_(
      denom,
      steps.map((t) => 1 / Math.sqrt(1 - sqrMom ** t)),
    );
    torch.foreachAdd_(denom, eps);
    torch.foreachAddcdiv_(
      group.params,
      avg,
      denom,
      steps.map((t) => -lr / (1 - mom ** t)),
    );
  }
}
/** Adam with fastai's defaults (mom 0.9, sqrMom 0.99, eps 1e-5, wd 0.01 decoupled, i.e. AdamW). */
export function Adam(params: ParamsInput, o: AdamOptions = {}): Optimizer {
  return new AdamOptimizer(params, checked('optim.Adam', params, o, ADAM_KEYS, MOMENTS));
}
/** Adam with decoupled weight decay (the same as fastai's Adam default). */
export function AdamW(params: ParamsInput, o: AdamOptions = {}): Optimizer {
  return new AdamOptimizer(params, { ...checked('optim.AdamW', params, o, ADAM_KEYS, MOMENTS), decoupleWd: true });
}

class RAdamOptimizer extends MomentsOptimizer {
  constructor(params: ParamsInput, o: AdamOptions) {
    super(params, o, { ...ADAM_DEFAULTS, wd: 0 });
  }
  protected update(group: GroupStep): void {
    const { lr, mom, sqrMom, eps, steps, avg, sqr } = this.begin(group);
    const rInf = 2 / (1 - sqrMom) - 1;
    const rect: number[] = [];
    const plain: number[] = [];
    const rectValue: number[] = [];
    steps.forEach((t, i) => {
      const r = rInf - (2 * t * sqrMom ** t) / (1 - sqrMom ** t);
      const debias1 = 1 - mom ** t;
      if (r > 5) {
        // the variance of the adaptive rate is tractable: rectify it (torch.optim's placement of eps)
        const v = Math.sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
        rect.push(i);
        rectValue.push((-lr * v * Math.sqrt(1 - sqrMom ** t)) / debias1);
      } else {
        plain.push(i);
      }
    });
    if (rect.length) {
      const denom = torch.foreachSqrt(pick(sqr, rect));
      torch.foreachAdd_(denom, eps);
      torch.foreachAddcdiv_(pick(group.params, rect), pick(avg, rect), denom, rectValue);
    }
    for (const i of plain) group.params[i]!.add_(avg[i]!, -lr / (1 - mom ** steps[i]!));
  }
}
/** Rectified Adam (fastai defaults: mom 0.9, sqrMom 0.99, eps 1e-5, no weight decay). */
export function RAdam(params: ParamsInput, o: AdamOptions = {}): Optimizer {
  return new RAdamOptimizer(params, checked('optim.RAdam', params, o, ADAM_KEYS, MOMENTS));
}

// ---------------------------------------------------------------- RMSProp
export interface RMSPropOptions extends BaseOptions {
  sqrMom?: number;
  mom?: number;
  eps?: number;
}
class RMSPropOptimizer extends Optimizer {
  constructor(params: ParamsInput, o: RMSPropOptions) {
    super(params, hypers({ lr: 1e-2, sqrMom: 0.99, mom: 0, eps: 1e-8, wd: 0 }, { ...o }), { decoupleWd: o.decoupleWd });
  }
  protected update(group: GroupStep): void {
    const { lr, sqrMom, mom, eps } = group.hyper as { lr: number; sqrMom: number; mom: number; eps: number };
    this.weightDecay(group);
    const sqr = this.buffers(group, 'sqrAvg');
    torch.foreachMul_(sqr, sqrMom);
    torch.foreachAddcmul_(sqr, group.grads, group.grads, 1 - sqrMom);
    const denom = torch.foreachSqrt(sqr);
    torch.foreachAdd_(denom, eps);
    if (mom) {
      // torch.optim's momentum: buf = mom * buf + g / denom; p -= lr * buf
      const buf = this.buffers(group, 'momentumBuffer');
      torch.foreachMul_(buf, mom);
      torch.foreachAddcdiv_(buf, group.grads, denom, 1);
      torch.foreachAdd_(group.params, buf, -lr);
    } else {
      torch.foreachAddcdiv_(group.params, group.grads, denom, -lr);
    }
  }
}
/** RMSProp (sqrMom is torch's alpha). */
export function RMSProp(params: ParamsInput, o: RMSPropOptions = {}): Optimizer {
  return new RMSPropOptimizer(params, checked('optim.RMSProp', params, o, ADAM_KEYS));
}

// ---------------------------------------------------------------- Lamb
class LambOptimizer extends MomentsOptimizer {
  constructor(params: ParamsInput, o: AdamOptions) {
    super(params, o, { ...ADAM_DEFAULTS, wd: 0 });
  }
  protected update(group: GroupStep): void {
    const { lr, mom, sqrMom, eps, steps, avg, sqr } = this.begin(group);
    group.params.forEach((p, i) => {
      const t = steps[i]!;
      // the Adam step, then scaled per layer by the trust ratio ||p|| / ||step|| (RMS norms), capped at 10
      const step = avg[i]!.div(1 - mom ** t).div(
        sqr[i]!.div(1 - sqrMom ** t)
          .sqrt()
          .add(eps),
      );
      const r1 = p.square().mean().sqrt();
      const r2 = step.square().mean().sqrt();
      const q = torch.where(r1.eq(0).logicalOr(r2.eq(0)), 1, r1.div(r2).clamp(null, 10));
      p.sub_(step.mul(q), lr);
    });
  }
}
/** LAMB: Adam with a per-layer trust ratio (fastai's lamb_step; defaults mom 0.9, sqrMom 0.99, eps 1e-5). */
export function Lamb(params: ParamsInput, o: AdamOptions = {}): Optimizer {
  return new LambOptimizer(params, checked('optim.Lamb', params, o, ADAM_KEYS, MOMENTS));
}

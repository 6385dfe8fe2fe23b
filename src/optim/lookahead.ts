// Lookahead (Zhang et al. 2019): every k steps of the inner optimizer, the slow weights move alpha of the
// way to the fast ones and the fast weights restart from there. Ranger = RAdam + Lookahead.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkInt, checkNumber, fail } from '../torch/validate.js';
import { type GroupStep, Optimizer, type ParamsInput, checkParams, checkRuleOptions } from './optimizer.js';
import { type AdamOptions, RAdam } from './rules.js';

export class Lookahead extends Optimizer {
  count = 0;
  private slow: Tensor[][] | null = null;

  constructor(
    readonly inner: Optimizer,
    readonly k = 6,
    readonly alpha = 0.5,
  ) {
    if (!(inner instanceof Optimizer)) fail('optim.Lookahead', 'inner', 'an Optimizer', inner);
    checkInt('optim.Lookahead', 'k', k, { min: 1 });
    checkNumber('optim.Lookahead', 'alpha', alpha, { min: 0, max: 1 });
    super(inner.paramLists, {});
    // share the inner optimizer's groups, hypers and state, so setHyper/freeze reach it
    this.hypers = inner.hypers;
    this.state = inner.state;
    this.paramLists = inner.paramLists;
  }
  /** The inner rule's ranges apply (Adam's moments below 1). */
  protected override _below1(name: string): boolean {
    return this.inner === undefined ? false : (this.inner as Lookahead)._below1(name);
  }
  protected update(_group: GroupStep): void {
    throw new torch.TorchError('Lookahead steps through its inner optimizer');
  }
  override step(): void {
    this.slow ??= this.paramLists.map((g) => g.map((p) => p.detach().clone().keep()));
    this.inner.step();
    this.count += 1;
    if (this.count % this.k !== 0) return;
    torch.tidy(() =>
      torch.noGrad(() => {
        this.paramLists.forEach((g, i) => {
          const slow = this.slow![i]!;
          torch.foreachLerp_(slow, g, this.alpha); // slow += alpha (fast - slow)
          torch.foreachCopy_(g, slow);
        });
      }),
    );
  }
  override clearState(): void {
    this.inner.clearState();
    for (const g of this.slow ?? []) for (const t of g) t.dispose();
    this.count = 0;
    this.slow = null;
  }
}

/** Ranger: RAdam inside Lookahead, with fastai's defaults (mom 0.95, wd 0.01, sqrMom 0.99, eps 1e-6, k 6, alpha 0.5). */
export function ranger(params: ParamsInput, o: AdamOptions & { k?: number; alpha?: number } = {}): Optimizer {
  const fn = 'optim.ranger';
  checkParams(fn, params);
  checkRuleOptions(fn, o, ['lr', 'wd', 'decoupleWd', 'mom', 'sqrMom', 'eps', 'k', 'alpha'], ['mom', 'sqrMom']);
  const { k = 6, alpha = 0.5, ...rest } = o;
  checkInt(fn, 'options.k', k, { min: 1 });
  checkNumber(fn, 'options.alpha', alpha, { min: 0, max: 1 });
  const inner = RAdam(params, { mom: 0.95, wd: 0.01, sqrMom: 0.99, eps: 1e-6, ...rest });
  return new Lookahead(inner, k, alpha);
}

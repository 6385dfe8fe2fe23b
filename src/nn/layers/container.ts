// Containers: Sequential runs its children in order; ModuleList and ModuleDict only hold them.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

/** Modules held in order and registered as '0', '1', ... (as PyTorch names them): Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  protected readonly items: Module[] = [];
  /** What an error calls the items ('layers', 'modules'). */
  protected abstract readonly noun: string;
  constructor(modules: readonly Module[]) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: Module): this {
    this.items.push(this.registerModule(String(this.items.length), m));
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new torch.TorchError(`${this.constructor.name}: index ${i} out of range for ${this.items.length} ${this.noun}`);
    return m;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
}

/** Runs children in order, named '0', '1', ... as in PyTorch. */
export class Sequential extends IndexedModules {
  protected readonly noun = 'layers';
  constructor(...modules: Module[]) {
    super(modules);
  }
  forward(x: Tensor): Tensor {
    for (const m of this.items) x = m.call(x);
    return x;
  }
}

/** Holds modules in a list (registered as '0', '1', ...); it has no forward of its own. */
export class ModuleList extends IndexedModules {
  protected readonly noun = 'modules';
  constructor(modules: Module[] = []) {
    super(modules);
  }
  forward(): Tensor {
    throw new torch.TorchError('ModuleList has no forward: iterate over it and call its modules');
  }
}

/** Holds modules by name; it has no forward of its own. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.registerModule(k, m);
  }
  get(key: string): Module {
    const m = this.namedChildren().find(([k]) => k === key)?.[1];
    if (!m) throw new torch.TorchError(`ModuleDict: no module named '${key}'`);
    return m;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  forward(): Tensor {
    throw new torch.TorchError('ModuleDict has no forward: look modules up with get() and call them');
  }
}

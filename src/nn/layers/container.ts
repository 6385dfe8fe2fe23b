// Containers: Sequential runs its children in order; ModuleList and ModuleDict only hold them.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { checkInt, checkString, fail, isPlainObject } from '../check.js';

function checkModule(fn: string, arg: string, m: unknown): Module {
  if (!(m instanceof Module)) fail(fn, arg, 'a Module', m);
  return m as Module;
}

/** Modules held in order and registered as '0', '1', ... (as PyTorch names them): Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  protected readonly items: Module[] = [];
  /** What an error calls the items ('layers', 'modules'). */
  protected abstract readonly noun: string;
  constructor(fn: string, modules: readonly Module[]) {
    super();
    modules.forEach((m, i) => checkModule(fn, `modules[${i}]`, m));
    for (const m of modules) this.items.push(this.registerModule(String(this.items.length), m));
  }
  append(m: Module): this {
    checkModule(`${this.constructor.name}.append`, 'module', m);
    this.items.push(this.registerModule(String(this.items.length), m));
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const fn = `${this.constructor.name}.at`;
    checkInt(fn, 'index', i);
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) fail(fn, 'index', `an index within ${this.items.length} ${this.noun} (from ${-this.items.length} to ${this.items.length - 1})`, i);
    return m!;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
}

/** Runs children in order, named '0', '1', ... as in PyTorch. */
export class Sequential extends IndexedModules {
  protected readonly noun = 'layers';
  constructor(...modules: Module[]) {
    super('nn.Sequential', modules);
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
    super('nn.ModuleList', Array.isArray(modules) ? modules : fail('nn.ModuleList', 'modules', 'an array of Modules', modules));
  }
  forward(): Tensor {
    throw new torch.TorchError('ModuleList has no forward: iterate over it and call its modules');
  }
}

/** Holds modules by name; it has no forward of its own. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    const fn = 'nn.ModuleDict';
    if (!isPlainObject(modules)) fail(fn, 'modules', 'a record of Modules by name', modules);
    for (const [k, m] of Object.entries(modules)) {
      checkModule(fn, `modules.${k}`, m);
      if (!k || k.includes('.')) fail(fn, 'modules', "names that are non-empty and without '.'", k);
    }
    for (const [k, m] of Object.entries(modules)) this.registerModule(k, m);
  }
  get(key: string): Module {
    const m = this.namedChildren().find(([k]) => k === checkString('ModuleDict.get', 'key', key))?.[1];
    if (!m)
      fail(
        'ModuleDict.get',
        'key',
        `one of the names ${
          this.keys()
            .map((k) => `'${k}'`)
            .join(', ') || '(none)'
        }`,
        key,
      );
    return m!;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  forward(): Tensor {
    throw new torch.TorchError('ModuleDict has no forward: look modules up with get() and call them');
  }
}

// Forward hooks on modules (PyTorch's register_forward_pre_hook / register_forward_hook): functions a module runs
// around its forward when called with module.call, each removable through the handle its registration returns.

/** Runs before forward with the inputs; returning an array (or one value) replaces them. */
export type ForwardPreHook<M> = (module: M, inputs: unknown[]) => unknown;
/** Runs after forward with the inputs and the output; returning anything but undefined replaces the output. */
export type ForwardHook<M> = (module: M, inputs: unknown[], output: unknown) => unknown;

let nextId = 0;

/** What a hook registration returns: remove() unregisters it (idempotent), as PyTorch's RemovableHandle. */
export class RemovableHandle {
  readonly id = nextId++;
  #registry: Map<number, unknown> | null;
  constructor(registry: Map<number, unknown>) {
    this.#registry = registry;
  }
  remove(): void {
    this.#registry?.delete(this.id);
    this.#registry = null;
  }
}

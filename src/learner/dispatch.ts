// Callback dispatch: which callbacks run at each event, wrap the phases (around) and supply the step's parts, in
// their order (stable for ties), kept in tables rebuilt when the list changes; and the firing of an event.
import type { Callback } from './callback.js';
import { type AroundPhase, EVENTS, type EventName, type StepPart } from './events.js';
import { fail } from '../torch/validate.js';
import type { Operation, Operations } from './operations.js';

export class CallbackTables {
  #events = new Map<EventName, Callback[]>();
  #wrappers = new Map<AroundPhase, Callback[]>();
  #suppliers = new Map<StepPart, Callback[]>();
  constructor(private readonly list: () => readonly Callback[]) {}

  /** The callback list changed: the tables are rebuilt on next use. */
  invalidate(): void {
    this.#events.clear();
    this.#wrappers.clear();
    this.#suppliers.clear();
  }
  /** Callbacks with a handler for an event (all of them for null), in the order they run. */
  ordered(event: EventName | null): Callback[] {
    return this.list()
      .map((c, i) => [c, i] as const)
      .sort((a, b) => a[0].order - b[0].order || a[1] - b[1])
      .map(([c]) => c)
      .filter((c) => event === null || c.handles(event));
  }
  /** The callbacks an event runs; every callback hears afterFit, which resets its run switch. */
  handlers(event: EventName): Callback[] {
    let cbs = this.#events.get(event);
    if (!cbs) {
      // checked once per name (firing is the loop's hot path): a name not in the table is never cached
      if (!(EVENTS as readonly unknown[]).includes(event)) fail('Learner.event', 'name', 'an event name (callbacks.EVENTS)', event);
      cbs = this.ordered(event === 'afterFit' ? null : event);
      this.#events.set(event, cbs);
    }
    return cbs;
  }
  /** The callbacks wrapping a phase (an around asked for it). */
  wrappers(phase: AroundPhase): Callback[] {
    let cbs = this.#wrappers.get(phase);
    if (!cbs) {
      cbs = this.ordered(null).filter((c) => c.wrapsPhase(phase));
      this.#wrappers.set(phase, cbs);
    }
    return cbs;
  }
  /** The callback supplying a part of the step now: the first (in order) the switches let act, or undefined. */
  supplier(part: StepPart): Callback | undefined {
    let cbs = this.#suppliers.get(part);
    if (!cbs) {
      cbs = this.ordered(null).filter((c) => c.supplies(part));
      this.#suppliers.set(part, cbs);
    }
    return cbs.find((c) => c._active(true));
  }
}

/** Runs f inside the callbacks' around(phase), the first callback outermost (hono's compose). */
export function around(cbs: readonly Callback[], phase: AroundPhase, f: () => Promise<void>): Promise<void> {
  if (cbs.length === 0) return f();
  const run = (i: number): Promise<void> => (i === cbs.length ? f() : cbs[i]!._around(phase, () => run(i + 1)));
  return run(0);
}

/** Fires an event on callbacks in order. Synchronous handlers run without a promise per call; the first
 * asynchronous one makes the rest wait for it. The operation running now is open to nested calls meanwhile. */
export function fire(cbs: readonly Callback[], name: EventName, ops: Operations): void | Promise<void> {
  const op = ops.current();
  if (op) op.open++;
  try {
    for (let i = 0; i < cbs.length; i++) {
      const r = cbs[i]!.call(name);
      // asynchronous, or a handler started an operation without awaiting it: wait (for both) before going on
      if (r || (op && op.children.size > 0)) return fireRest(r, cbs, i + 1, name, ops, op);
    }
  } catch (e) {
    if (op && op.children.size > 0) return fireRest(Promise.reject(e), cbs, cbs.length, name, ops, op);
    if (op) op.open--;
    throw e;
  }
  if (op) op.open--;
}

async function fireRest(
  pending: void | Promise<void>,
  cbs: readonly Callback[],
  from: number,
  name: EventName,
  ops: Operations,
  op: Operation | undefined,
): Promise<void> {
  try {
    await pending;
    await ops.settle(op);
    for (let i = from; i < cbs.length; i++) {
      await cbs[i]!.call(name);
      await ops.settle(op);
    }
  } finally {
    await ops.settle(op);
    if (op) op.open--;
  }
}

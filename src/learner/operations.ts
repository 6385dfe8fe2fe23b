// One operation at a time per Learner (fit, validate, getPreds...): a second one started while one runs is refused
// (their batches would free each other's tensors); a nested call (a callback's validate, a scheduled fit's fit) is
// allowed only from the innermost operation's own async context while it awaits its callbacks.
import { AsyncLocalStorage } from 'node:async_hooks';
import { FlintError } from '../torch/index.js';

/**
 * One public operation. `open` counts the places where it awaits work it started (an event being dispatched to the
 * callbacks; a scheduled fit's inner fit): only there may a call made from its own async context start a nested
 * operation. `children` are the nested operations running now.
 */
export interface Operation {
  readonly name: string;
  open: number;
  readonly children: Set<Promise<void>>;
}

/** The operation whose code is running (the async context): it survives in timers and promises made during
 * the operation, so it is compared with the operation running now, never trusted alone. */
const running = new AsyncLocalStorage<Operation>();

export class Operations {
  /** The operations running now, outermost first: each one after the first was started, and is awaited, by the one before. */
  #ops: Operation[] = [];

  /** How many operations are running (more than 1: a nested one). */
  get depth(): number {
    return this.#ops.length;
  }
  /** The innermost operation running now. */
  current(): Operation | undefined {
    return this.#ops.at(-1);
  }
  /** The public name of the outermost operation running now (for messages), or `fallback`. */
  name(fallback: string): string {
    return this.#ops[0]?.name ?? fallback;
  }

  /**
   * Runs f as the operation `fn`, alone (see the file's comment); `composite` opens it to nested calls from its own
   * context from the start (a scheduled fit calling fit). `first` runs before an outermost operation (the Learner
   * awaits an asynchronous afterCreate there). If a callback starts a nested operation without awaiting it, the
   * operation waits for it after that callback, so the two never run side by side.
   */
  async run<T>(fn: string, f: () => Promise<T>, composite: boolean, first: () => Promise<void>): Promise<T> {
    const op: Operation = { name: fn, open: composite ? 1 : 0, children: new Set() };
    const parent = this.#ops.at(-1);
    if (parent === undefined) {
      this.#ops.push(op);
      try {
        return await running.run(op, async () => {
          await first();
          return await f();
        });
      } finally {
        await this.settle(op);
        this.#ops.splice(this.#ops.indexOf(op), 1);
      }
    }
    // a stale context (a timer or promise made during an earlier operation, or during this one's batch loop)
    // is refused like any call from outside
    if (running.getStore() !== parent || parent.open === 0) {
      throw new FlintError(
        `${fn}: ${this.#ops[0]!.name} is running on this Learner; await it before calling ${fn} (one operation at a time per Learner)`,
      );
    }
    let done!: () => void;
    const mark = new Promise<void>((r) => {
      done = r;
    });
    parent.children.add(mark);
    this.#ops.push(op);
    try {
      return await running.run(op, f);
    } finally {
      await this.settle(op);
      this.#ops.splice(this.#ops.indexOf(op), 1);
      parent.children.delete(mark);
      done();
    }
  }

  /** Waits until the nested operations an operation started (and did not await) have ended. */
  async settle(op: Operation | undefined): Promise<void> {
    while (op !== undefined && op.children.size > 0) await Promise.all(op.children);
  }
}

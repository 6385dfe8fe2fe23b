// The systematic misuse check: every public function, every argument position (and every key of an options
// object), called with each hostile value. A call may succeed (many values are legal) or throw; when it
// throws, the error must be one of Flint's (FlintError or a Cancel*/CallbackError) and its message must
// name the function called. Async calls must settle within a time limit. Errors must not leak tensors.
// Cases live in *.cases.ts files, one per area; run.ts runs one file in a child process (a crash or a hang is
// a failing test there, not a dead runner), misuse.test.ts drives them.
import { torch, FlintError, CallbackError } from '../../src/index.js';

export type Args = unknown[];

export interface Case {
  /** The public name: 'torch.zeros', 'Tensor.sum', 'nn.Linear', 'Learner.fit'... Its last segment must appear
   * in every error message. */
  name: string;
  /** Valid arguments, made fresh for each call (tensors made here are freed after the call). */
  args: () => Args;
  /** Performs the call with (possibly poisoned) arguments. */
  call: (...args: Args) => unknown;
  /** Position 0 is the receiver (`this`) of a method: it is poisoned only with the tensor-like hostile values. */
  receiver?: boolean;
  /** Argument positions not to poison (e.g. a callback whose value is never read), with why. */
  skipArgs?: number[];
  /** Hostile values that must be refused (throw), by position: e.g. { 0: ['NaN', 'negative'] }. Keys may also
   * be 'i.key' for an option of the options object at position i. */
  mustReject?: Record<string, readonly HostileName[]>;
  /** The word the message must contain, when it is not the name's last segment (e.g. a class's constructor). */
  word?: string;
  /** false when the call keeps what it makes by design (a Learner holding a model): no leak check. */
  leakCheck?: boolean;
  /** Per-call time limit for async calls, ms (default 10 s). */
  timeoutMs?: number;
}

export const HOSTILE = {
  null: () => null,
  undefined: () => undefined,
  NaN: () => NaN,
  Infinity: () => Infinity,
  '-Infinity': () => -Infinity,
  negative: () => -3,
  zero: () => 0,
  fractional: () => 0.5,
  huge: () => 1e12,
  BigInt: () => 10n,
  string: () => 'abc',
  'empty string': () => '',
  symbol: () => Symbol('hostile'),
  object: () => ({ hostile: 1 }),
  array: () => [1, 'a', null],
  function: () => () => 1,
  'disposed tensor': () => {
    const t = torch.ones([2, 3]);
    t.dispose();
    return t;
  },
  'int64 tensor': () => torch.tensor([[1, 0, 2]], { dtype: 'int64' }),
  'bool tensor': () => torch.tensor([true, false]),
  'float64 tensor': () => torch.ones([3, 2], { dtype: 'float64' }),
  'scalar tensor': () => torch.tensor(2),
  // the wrong device: only where libtorch has a CUDA device (left out of HOSTILE_NAMES elsewhere)
  'cuda tensor': () => torch.ones([2, 3], { device: 'cuda' }),
} as const;
export type HostileName = keyof typeof HOSTILE;
const RECEIVER_HOSTILE: readonly HostileName[] = ['disposed tensor', 'int64 tensor', 'bool tensor', 'float64 tensor', 'scalar tensor', 'cuda tensor'];

/** A case for a Tensor method: `method('sum', () => [torch.ones([2, 3]), 1])` calls `t.sum(1)`. */
export function method(name: string, args: () => Args, extra: Partial<Case> = {}): Case {
  return {
    name: `Tensor.${name}`,
    args,
    receiver: true,
    ...extra,
    call: (t, ...rest) => (t as unknown as Record<string, (...a: Args) => unknown>)[name]!(...rest),
  };
}
export const HOSTILE_NAMES = (Object.keys(HOSTILE) as HostileName[]).filter((h) => h !== 'cuda tensor' || torch.cuda.isAvailable());

export interface Failure {
  case: string;
  arg: string;
  value: string;
  problem: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';
}

function lastWord(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 1]!;
}

/** Cancellations are legitimate only from the Learner and its callbacks (they are how callbacks steer a fit). */
function okError(e: unknown, name: string): boolean {
  if (e instanceof FlintError || e instanceof CallbackError) return true;
  return /^(Learner|Callback|callbacks)\./.test(name) && e instanceof Error && /^Cancel\w+Exception$/.test(e.name);
}

/** The message names the function as a whole word ("Tensor.sum: ...", "sum(float32[2]): ...", "metrics.Dice,"),
 * and a short name (`to`, `add`, `max`) as Flint's messages do, followed by ':', '(', ')', '.' or ',' (so the
 * letters of `to` in "expected X to be" do not count). */
function namePattern(word: string): RegExp {
  const w = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const after = word.length < 4 ? '(?=[:().,]| \\()' : '(?![A-Za-z0-9_$])';
  return new RegExp(`(^|[^A-Za-z0-9_$])${w}${after}`);
}

/** Frees whatever a call was given or returned (tensors, in structures, and objects with a dispose method
 * such as modules), without letting a hostile value break the runner. */
function release(v: unknown): void {
  try {
    torch.dispose(v);
    const items = Array.isArray(v) ? v : [v];
    for (const x of items) {
      if (x && typeof x === 'object' && typeof (x as { dispose?: unknown }).dispose === 'function') (x as { dispose(): void }).dispose();
    }
  } catch {
    /* best effort */
  }
}

async function settle(v: unknown, ms: number): Promise<{ value?: unknown; error?: unknown; hung?: boolean }> {
  if (!isThenable(v)) return { value: v };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ hung: true }>((res) => {
    timer = setTimeout(() => res({ hung: true }), ms);
  });
  try {
    return await Promise.race([
      Promise.resolve(v).then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type Progress = (text: string) => void;

/** Runs one case: each argument position (and option key) poisoned with each hostile value. */
export async function runCase(c: Case, progress: Progress = () => {}): Promise<{ failures: Failure[]; calls: number }> {
  const failures: Failure[] = [];
  let calls = 0;
  const word = c.word ?? lastWord(c.name);
  const names = namePattern(word);
  const base = torch.tidy(() => c.args());
  const nArgs = base.length;
  torch.dispose(base);
  // the slots to poison: each position, then each key of an options object at a position
  const slots: { label: string; pos: number; key?: string }[] = [];
  const probe = c.args();
  for (let i = 0; i < Math.max(nArgs, 1); i++) {
    if (c.skipArgs?.includes(i)) continue;
    slots.push({ label: String(i), pos: i });
    const v = probe[i];
    if (isPlainObject(v)) for (const k of Object.keys(v)) slots.push({ label: `${i}.${k}`, pos: i, key: k });
  }
  torch.dispose(probe);
  for (const slot of slots) {
    for (const h of HOSTILE_NAMES) {
      if (c.receiver && slot.pos === 0 && !RECEIVER_HOSTILE.includes(h)) continue;
      calls++;
      progress(`${c.name} arg ${slot.label} = ${h}`);
      const before = torch.memory().liveTensors;
      let outcome: { value?: unknown; error?: unknown; hung?: boolean };
      const hostileValue = HOSTILE[h]();
      const args = c.args();
      const original = args[slot.pos];
      if (slot.key === undefined) args[slot.pos] = hostileValue;
      else args[slot.pos] = { ...(args[slot.pos] as object), [slot.key]: hostileValue };
      try {
        outcome = await settle(
          torch.tidy(() => c.call(...args)),
          c.timeoutMs ?? 10_000,
        );
      } catch (e) {
        outcome = { error: e };
      }
      release(args);
      release(original);
      release(hostileValue);
      const fail = (problem: string): void => {
        failures.push({ case: c.name, arg: slot.label, value: h, problem });
      };
      if (outcome.hung) {
        fail(`did not settle within ${c.timeoutMs ?? 10_000} ms`);
        continue;
      }
      if ('error' in outcome) {
        const e = outcome.error;
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`;
        if (!okError(e, c.name)) fail(`threw ${msg.slice(0, 300)}`);
        else if (!names.test((e as Error).message)) fail(`the message does not name '${word}': ${msg.slice(0, 300)}`);
      } else {
        const must = c.mustReject?.[slot.label];
        if (must?.includes(h)) fail('was accepted but must be refused');
        release(outcome.value);
      }
      if (c.leakCheck === false) continue;
      const leaked = torch.memory().liveTensors - before;
      if (leaked > 0) fail(`left ${leaked} live tensor(s) behind`);
    }
  }
  return { failures, calls };
}

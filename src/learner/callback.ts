// Callback: subclass it and define methods named after events, or pass handlers to the constructor.
// Reads of the learner's state go through typed getters (`this.model`, `this.pred`...); writes go to
// `this.learn.x` explicitly.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import type { DataLoaders, DataLoader } from '../data/index.js';
import { type AroundPhase, EVENTS, type EventName, INNER_LOOP, INNER_PHASES, type StepPart } from './events.js';
import { checkFunction, checkOptions } from '../torch/validate.js';
import { CallbackError, isCancellation } from './exceptions.js';
import { FlintError } from '../torch/errors.js';
import type { Learner as BaseLearner } from './learner.js';

/**
 * The Learner type callbacks see. The full Learner (src/default-learner.ts: the recipes and default callbacks,
 * above this layer) adds its members here (LearnerExtras) by declaration merging, so `this.learn.recorder` and
 * `this.learn.fitOneCycle` type-check inside a callback without casts.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface LearnerExtras {}
export type Learner = BaseLearner & LearnerExtras;

export type Handler = (learn: Learner) => void | Promise<void>;
/** Runs a phase (next) inside set-up and tear-down code: `try { change; await next(); } finally { restore; }`. */
export type AroundHandler = (phase: AroundPhase, next: () => Promise<void>) => Promise<void>;
export type Handlers = Partial<Record<EventName, Handler>> & { around?: AroundHandler };

/** lowerCamel class name without the Callback suffix: TrainEvalCallback -> trainEval. */
export function callbackName(className: string): string {
  const base = className.replace(/Callback$/, '') || 'callback';
  return base[0]!.toLowerCase() + base.slice(1);
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: interface Callback below declares the optional methods subclasses define
export class Callback {
  /** Callbacks run sorted by order (stable for ties). */
  order = 0;
  /** Master switch; reset to true after every fit. */
  run = true;
  /** The phases this callback's around is asked to wrap (null: every phase). Listing them keeps the per-batch
   * phases free of calls that would only pass through. */
  aroundPhases: readonly AroundPhase[] | null = null;
  /** Whether the inner-loop (batch) events run in the training / validation phase. */
  runTrain = true;
  runValid = true;
  private _learn: BaseLearner | null = null;
  private readonly handlers: Handlers;

  constructor(handlers: Handlers = {}) {
    // subclasses call super() without handlers; a handler object names events and gives functions
    checkOptions('Callback', handlers, [...EVENTS, 'around'], 'handlers');
    for (const [k, f] of Object.entries(handlers)) checkFunction('Callback', `handlers.${k}`, f);
    this.handlers = { ...handlers };
  }

  get learn(): Learner {
    if (!this._learn) throw new FlintError(`${this.constructor.name} is not attached to a Learner (add it with learn.addCb or the cbs option)`);
    // the full Learner's type: every Learner users make is one
    return this._learn as Learner;
  }
  /** @internal the learner it is attached to, or null (learn throws instead). */
  _attachedTo(): BaseLearner | null {
    return this._learn;
  }
  /** Set by the Learner when the callback is added; null once it is removed (fastai's remove_cb). */
  set learn(l: BaseLearner | null) {
    this._learn = l;
  }
  /** The name the learner exposes it under (learn.cbs by name: 'recorder', 'trainEval'...). */
  get name(): string {
    return callbackName(this.constructor.name);
  }

  // typed reads of the learner's state
  get model(): Module {
    return this.learn.model;
  }
  get opt(): Optimizer | null {
    return this.learn.opt;
  }
  get dls(): DataLoaders {
    return this.learn.dls;
  }
  get dl(): DataLoader | null {
    return this.learn.dl;
  }
  get xb(): Tensor[] {
    return this.learn.xb;
  }
  get yb(): Tensor[] {
    return this.learn.yb;
  }
  get pred(): Tensor | null {
    return this.learn.pred;
  }
  get loss(): Tensor | null {
    return this.learn.loss;
  }
  get epoch(): number {
    return this.learn.epoch;
  }
  get nEpoch(): number {
    return this.learn.nEpoch;
  }
  get iter(): number {
    return this.learn.iter;
  }
  get nIter(): number {
    return this.learn.nIter;
  }
  get training(): boolean {
    return this.learn.training;
  }

  /** Whether this callback has a handler for the event (a method or a constructor handler). */
  handles(event: EventName): boolean {
    return typeof (this as CallbackEvents)[event] === 'function' || this.handlers[event] !== undefined;
  }
  /** Whether this callback wraps a phase (an `around` method or handler, asked for that phase). */
  wrapsPhase(phase: AroundPhase): boolean {
    return (
      (typeof this.around === 'function' || this.handlers.around !== undefined) && (this.aroundPhases === null || this.aroundPhases.includes(phase))
    );
  }
  /** Whether this callback supplies a part of the training step (a method named after it). */
  supplies(part: StepPart): boolean {
    return typeof (this as CallbackSteps)[part] === 'function';
  }
  /** @internal Whether the switches let this callback act now in a phase (inner phases follow runTrain / runValid). */
  _active(inner: boolean): boolean {
    return this.run && (!inner || (this.runTrain && this.learn.training) || (this.runValid && !this.learn.training));
  }

  /** @internal Runs `next` (a phase) inside this callback's around, when the switches allow it, else alone. An
   * error thrown by around itself names the callback; errors from the phase pass through as they are; around
   * must call next exactly once (a phase is skipped with a cancellation exception, as in fastai). */
  async _around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    const f = typeof this.around === 'function' ? this.around : this.handlers.around;
    if (!f || !this._active(INNER_PHASES.has(phase))) return next();
    let calls = 0;
    let fromPhase: { error: unknown } | null = null;
    const once = async (): Promise<void> => {
      if (++calls > 1) throw new FlintError(`${this.constructor.name}.around('${phase}'): next() was called twice; a phase runs once`);
      try {
        await next();
      } catch (e) {
        fromPhase = { error: e };
        throw e;
      }
    };
    try {
      await f.call(this, phase, once);
    } catch (e) {
      if (fromPhase !== null && (fromPhase as { error: unknown }).error === e) throw e;
      throw this.wrap(e, `around('${phase}')` as EventName);
    }
    if (calls === 0) {
      throw new CallbackError(
        this.constructor.name,
        `around('${phase}')`,
        new FlintError(
          `around returned without calling next(), which would skip the ${phase} phase in silence; to skip it, throw its cancellation exception from an event`,
        ),
      );
    }
  }

  /** @internal Runs this callback's part of the training step (see `supplies`). */
  _supply(part: StepPart): void | Promise<void> {
    const f = (this as CallbackSteps)[part]!;
    try {
      const r = f.call(this, this.learn);
      return r instanceof Promise
        ? r.catch((e: unknown) => {
            throw this.wrap(e, part as EventName);
          })
        : r;
    } catch (e) {
      throw this.wrap(e, part as EventName);
    }
  }

  /** Runs this callback's handler for an event, if it has one and the switches allow it; returns a promise only
   * when the handler is asynchronous. */
  call(event: EventName): void | Promise<void> {
    let result: void | Promise<void>;
    if (this._active(INNER_LOOP.has(event))) {
      const method = (this as CallbackEvents)[event];
      const f = typeof method === 'function' ? method : this.handlers[event];
      if (f) {
        try {
          result = f.call(this, this.learn);
        } catch (e) {
          throw this.wrap(e, event);
        }
        if (result instanceof Promise) {
          return result.then(
            () => this.finish(event),
            (e) => {
              throw this.wrap(e, event);
            },
          );
        }
      }
    }
    this.finish(event);
  }
  private finish(event: EventName): void {
    if (event === 'afterFit') this.run = true;
  }
  private wrap(e: unknown, event: string): unknown {
    return isCancellation(e) || e instanceof CallbackError ? e : new CallbackError(this.constructor.name, event, e);
  }
}

/** The event methods a subclass may define (all optional), in firing order. (Methods, not a mapped type, so
 * subclasses may define them as methods; the check below keeps them equal to the event table's names.) */
export interface CallbackEvents {
  afterCreate?(learn: Learner): void | Promise<void>;
  beforeFit?(learn: Learner): void | Promise<void>;
  beforeEpoch?(learn: Learner): void | Promise<void>;
  beforeTrain?(learn: Learner): void | Promise<void>;
  beforeBatch?(learn: Learner): void | Promise<void>;
  afterPred?(learn: Learner): void | Promise<void>;
  afterLoss?(learn: Learner): void | Promise<void>;
  beforeBackward?(learn: Learner): void | Promise<void>;
  afterCancelBackward?(learn: Learner): void | Promise<void>;
  afterBackward?(learn: Learner): void | Promise<void>;
  beforeStep?(learn: Learner): void | Promise<void>;
  afterCancelStep?(learn: Learner): void | Promise<void>;
  afterStep?(learn: Learner): void | Promise<void>;
  afterCancelBatch?(learn: Learner): void | Promise<void>;
  afterBatch?(learn: Learner): void | Promise<void>;
  afterCancelTrain?(learn: Learner): void | Promise<void>;
  afterTrain?(learn: Learner): void | Promise<void>;
  beforeValidate?(learn: Learner): void | Promise<void>;
  afterCancelValidate?(learn: Learner): void | Promise<void>;
  afterValidate?(learn: Learner): void | Promise<void>;
  afterCancelEpoch?(learn: Learner): void | Promise<void>;
  afterEpoch?(learn: Learner): void | Promise<void>;
  afterCancelFit?(learn: Learner): void | Promise<void>;
  afterFit?(learn: Learner): void | Promise<void>;
}
// a compile error here means the methods above and the event table (events.ts) differ
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventMethodsMatchTable: Same<keyof CallbackEvents, EventName> = true;
void eventMethodsMatchTable;

/** The parts of the training step a callback may supply (miniai's TrainCB): defining one replaces the Learner's. */
export interface CallbackSteps {
  /** Sets learn.pred from learn.xb (default: learn.pred = model(...xb)). */
  predict?(learn: Learner): void | Promise<void>;
  /** Sets learn.lossGrad (the loss to differentiate) from learn.pred and learn.yb. */
  getLoss?(learn: Learner): void | Promise<void>;
  backward?(learn: Learner): void | Promise<void>;
  step?(learn: Learner): void | Promise<void>;
  zeroGrad?(learn: Learner): void | Promise<void>;
}

// declaration merging: a Callback has the optional event methods, step parts and around above
export interface Callback extends CallbackEvents, CallbackSteps {
  /**
   * Runs a phase inside set-up and tear-down code (hono's middleware): the Learner calls it with `next`, the whole
   * phase (its before/after events included); `try { change state; await next(); } finally { restore it; }`
   * restores on every exit path, normal, cancelled or failed. Callbacks wrap in their order (the first outermost).
   */
  around?(phase: AroundPhase, next: () => Promise<void>): Promise<void>;
}

// Callback: subclass it and define methods named after events, or pass handlers to the constructor.
// Reads of the learner's state go through typed getters (`this.model`, `this.pred`...); writes go to
// `this.learn.x` explicitly.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import type { DataLoaders, DataLoader } from '../data/index.js';
import { EVENTS, type EventName, INNER_LOOP } from './events.js';
import { checkFunction, checkOptions } from '../torch/validate.js';
import { CallbackError, isCancellation } from './exceptions.js';
import { FlintError } from '../torch/errors.js';
import type { Learner } from './learner.js';

export type Handler = (learn: Learner) => void | Promise<void>;
export type Handlers = Partial<Record<EventName, Handler>>;

/** lowerCamel class name without the Callback suffix: TrainEvalCallback -> trainEval. */
export function callbackName(className: string): string {
  const base = className.replace(/Callback$/, '') || 'callback';
  return base[0]!.toLowerCase() + base.slice(1);
}

export class Callback {
  /** Callbacks run sorted by order (stable for ties). */
  order = 0;
  /** Master switch; reset to true after every fit. */
  run = true;
  /** Whether the inner-loop (batch) events run in the training / validation phase. */
  runTrain = true;
  runValid = true;
  private _learn: Learner | null = null;
  private readonly handlers: Handlers;

  constructor(handlers: Handlers = {}) {
    // subclasses call super() without handlers; a handler object names events and gives functions
    checkOptions('Callback', handlers, EVENTS, 'handlers');
    for (const [k, f] of Object.entries(handlers)) checkFunction('Callback', `handlers.${k}`, f);
    this.handlers = { ...handlers };
  }

  get learn(): Learner {
    if (!this._learn) throw new FlintError(`${this.constructor.name} is not attached to a Learner (add it with learn.addCb or the cbs option)`);
    return this._learn;
  }
  /** @internal the learner it is attached to, or null (learn throws instead). */
  _attachedTo(): Learner | null {
    return this._learn;
  }
  /** Set by the Learner when the callback is added; null once it is removed (fastai's remove_cb). */
  set learn(l: Learner | null) {
    this._learn = l;
  }
  /** The name the learner exposes it under (learn.cbs by name: 'recorder', 'trainEval'...). */
  get name(): string {
    return callbackName(this.constructor.name);
  }

  // typed reads of the learner's state
  get model(): Module { return this.learn.model; }
  get opt(): Optimizer | null { return this.learn.opt; }
  get dls(): DataLoaders { return this.learn.dls; }
  get dl(): DataLoader | null { return this.learn.dl; }
  get xb(): Tensor[] { return this.learn.xb; }
  get yb(): Tensor[] { return this.learn.yb; }
  get pred(): Tensor | null { return this.learn.pred; }
  get loss(): Tensor | null { return this.learn.loss; }
  get epoch(): number { return this.learn.epoch; }
  get nEpoch(): number { return this.learn.nEpoch; }
  get iter(): number { return this.learn.iter; }
  get nIter(): number { return this.learn.nIter; }
  get training(): boolean { return this.learn.training; }

  /**
   * Not one of fastai's events: runs when a batch ends with an error that is not a cancellation, just before the
   * error leaves the loop, so a callback holding process-wide state (MixedPrecision's autocast) releases it.
   */
  cleanupAfterError(_error: unknown): void {}

  /** Whether this callback has a handler for the event (a method or a constructor handler). */
  handles(event: EventName): boolean {
    return typeof (this as CallbackEvents)[event] === 'function' || this.handlers[event] !== undefined;
  }

  /** Runs this callback's handler for an event, if it has one and the switches allow it; returns a promise only
   * when the handler is asynchronous. */
  call(event: EventName): void | Promise<void> {
    const inPhase = !INNER_LOOP.has(event) || (this.runTrain && this.learn.training) || (this.runValid && !this.learn.training);
    let result: void | Promise<void>;
    if (this.run && inPhase) {
      const method = (this as CallbackEvents)[event];
      const f = typeof method === 'function' ? method : this.handlers[event];
      if (f) {
        try {
          result = f.call(this, this.learn);
        } catch (e) {
          throw this.wrap(e, event);
        }
        if (result instanceof Promise) {
          return result.then(() => this.finish(event), (e) => { throw this.wrap(e, event); });
        }
      }
    }
    this.finish(event);
  }
  private finish(event: EventName): void {
    if (event === 'afterFit') this.run = true;
  }
  private wrap(e: unknown, event: EventName): unknown {
    return isCancellation(e) || e instanceof CallbackError ? e : new CallbackError(this.constructor.name, event, e);
  }
}

/** The event methods a subclass may define (all optional), in firing order. */
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
// declaration merging: a Callback has the optional event methods above
export interface Callback extends CallbackEvents {}

// The seven cancellations (each skips the rest of its phase, see withEvents) and the wrapper for any other
// error thrown by a callback.
import { FlintError } from '../torch/errors.js';

export class CancelFitException extends Error {
  override name = 'CancelFitException';
}
export class CancelEpochException extends Error {
  override name = 'CancelEpochException';
}
export class CancelTrainException extends Error {
  override name = 'CancelTrainException';
}
export class CancelValidException extends Error {
  override name = 'CancelValidException';
}
/** Skips the rest of the batch, zeroGrad included (GradientAccumulation relies on this). */
export class CancelBatchException extends Error {
  override name = 'CancelBatchException';
}
/** Skips the optimizer step; zeroGrad still runs. */
export class CancelStepException extends Error {
  override name = 'CancelStepException';
}
/** Skips backward; the step still runs. */
export class CancelBackwardException extends Error {
  override name = 'CancelBackwardException';
}

export const CANCEL_EXCEPTIONS = [
  CancelFitException,
  CancelEpochException,
  CancelTrainException,
  CancelValidException,
  CancelBatchException,
  CancelStepException,
  CancelBackwardException,
] as const;

export function isCancellation(e: unknown): boolean {
  return CANCEL_EXCEPTIONS.some((C) => e instanceof C);
}

/** "Exception occurred in `Name` when calling event `eventName`: message", the original kept as cause. */
export class CallbackError extends FlintError {
  override name = 'CallbackError';
  constructor(
    readonly callbackName: string,
    readonly eventName: string,
    cause: unknown,
  ) {
    // anything may be thrown: a string, undefined, an Error without a message (fastai#4019)
    const msg = cause instanceof Error ? cause.message || cause.name : String(cause);
    super(`Exception occurred in \`${callbackName}\` when calling event \`${eventName}\`: ${msg}`, { cause });
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\n  caused by ${cause.stack}`;
  }
}

/** Thrown by fit after a SIGINT (Ctrl-C) cancelled it: the batch in flight finished and afterFit ran. */
export class FitInterrupted extends FlintError {
  override name = 'FitInterrupted';
  constructor(
    readonly epoch: number,
    readonly iter: number,
  ) {
    super(`interrupted (SIGINT) in epoch ${epoch}, batch ${iter}: the fit was cancelled after that batch and its afterFit callbacks ran`);
  }
}

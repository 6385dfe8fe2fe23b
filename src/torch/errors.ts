// Flint's error types. Every error Flint throws on purpose is a FlintError:
// - TorchError: libtorch itself failed (the op, the inputs as the engine saw them, libtorch's message);
// - ArgumentError: an argument or a configuration is wrong, caught before any work ("expected X for Y, got Z").

/** The base of every error Flint throws on purpose (catch this to catch them all). */
export class FlintError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlintError';
  }
}

/** libtorch failed: thrown from the engine with the op name, the inputs and libtorch's own message. */
export class TorchError extends FlintError {
  /** The op that failed (e.g. 'mm'), when known. */
  op?: string;
  /** The inputs as the native layer saw them, e.g. "float32[2, 3], float32[4]". */
  inputs?: string;
  /** libtorch's own message, without its C++ backtrace. */
  torchMessage?: string;

  constructor(message: string, options?: { op?: string; cause?: unknown }) {
    super(message, options);
    this.name = 'TorchError';
    if (options?.op) this.op = options.op;
  }
}

/**
 * A bad argument or configuration, refused before any work is done. The message reads
 * "fn: expected X for Y, got Z"; `fn`, `arg`, `expected` and `got` hold the parts.
 */
export class ArgumentError extends FlintError {
  /** The public function that was called, e.g. 'torch.zeros' or 'Learner.fit'. */
  fn: string;
  /** The argument (or option) at fault, e.g. 'shape' or 'opts.lr'. */
  arg: string;
  expected: string;
  /** The offending value, described (never the value itself, which may be huge or hostile). */
  got: string;

  constructor(fn: string, arg: string, expected: string, got: string, options?: { cause?: unknown }) {
    super(`${fn}: expected ${expected} for ${arg}, got ${got}`, options);
    this.name = 'ArgumentError';
    this.fn = fn;
    this.arg = arg;
    this.expected = expected;
    this.got = got;
  }
}

/** A collective or the rendezvous of torch.distributed failed: a peer died or stalled past the timeout, or the
 * rendezvous could not complete. Carries the op, this process's rank and c10d's (Gloo's) own message. */
export class DistributedError extends TorchError {
  /** This process's rank (-1 before the group exists). */
  rank: number;

  constructor(message: string, options: { op: string; rank: number; torchMessage: string; cause?: unknown }) {
    super(message, options);
    this.name = 'DistributedError';
    this.rank = options.rank;
    this.torchMessage = options.torchMessage;
  }
}

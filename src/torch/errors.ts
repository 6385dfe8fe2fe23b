/** Every libtorch failure and every bad argument reaching the engine is thrown as a TorchError. */
export class TorchError extends Error {
  /** The op that failed (e.g. 'mm'), when known. */
  op?: string;
  /** The inputs as the native layer saw them, e.g. "float32[2, 3], float32[4]". */
  inputs?: string;
  /** libtorch's own message, without its C++ backtrace. */
  torchMessage?: string;

  constructor(message: string, options?: { op?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TorchError';
    if (options?.op) this.op = options.op;
  }
}

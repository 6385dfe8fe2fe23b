// Checks of architecture arguments (they may come from JSON or a command line): a clear error, not a bad model.
import * as torch from '../../torch/index.js';

export function argInt(model: string, name: string, v: unknown, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new torch.TorchError(`${model}: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

export function argInts(model: string, name: string, v: unknown, min = 1): number[] {
  if (!Array.isArray(v)) throw new torch.TorchError(`${model}: ${name} must be an array of integers, got ${JSON.stringify(v)}`);
  return v.map((x, i) => argInt(model, `${name}[${i}]`, x, min));
}

export function argProb(model: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new torch.TorchError(`${model}: ${name} must be in [0, 1), got ${JSON.stringify(v)}`);
  return v;
}

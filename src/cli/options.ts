// Value parsers for the command line: a bad value is an error naming the option and what it should be.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`must be a positive integer, got '${value}'`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`must be an integer >= 0, got '${value}'`);
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`must be a port number from 1 to 65535, got '${value}'`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError(`must be a positive number, got '${value}'`);
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`must be a number between 0 and 1, got '${value}'`);
  return n;
}

export function device(value: string): string {
  if (!/^(cpu|cuda(:\d+)?)$/.test(value)) throw new InvalidArgumentError(`must be cpu or cuda, got '${value}'`);
  return value;
}

/** --size: a model size (small, medium, large) or, for --images, the images' side in pixels. */
export function modelOrPixels(value: string): string | number {
  if (['small', 'medium', 'large'].includes(value)) return value;
  const n = Number(value);
  if (/^\d+$/.test(value) && Number.isSafeInteger(n) && n > 0) return n;
  throw new InvalidArgumentError(`Allowed choices are small, medium, large (or, with --images, the images' side in pixels), got '${value}'`);
}

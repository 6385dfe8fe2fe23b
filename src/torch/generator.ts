// PyTorch's torch.Generator: a random stream of its own (seed and state), given to the random ops that take one
// (`{ generator }`), so that its draws neither move nor depend on the default generator torch.manualSeed seeds.
// Code that draws while other code draws too (a loader preparing batches beside training) stays reproducible.
import { randomInt } from 'node:crypto';
import { native } from './native.js';
import type { GenHandle } from './native-api.js';
import { type Tensor, wrap } from './tensor.js';
import { checkDevice, checkTensor, fail, named } from './validate.js';

// PyTorch's seed for a new generator (c10::default_rng_seed_val)
const DEFAULT_SEED = 67280421310721;

function checkSeed(fn: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) fail(fn, 'seed', `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`, seed);
  return seed as number;
}

export class Generator {
  /** The device whose random ops this generator serves ('cpu', 'cuda', 'cuda:1'). */
  readonly device: string;
  readonly #h: GenHandle;

  /** A new generator for `device`, seeded with PyTorch's default seed (67280421310721) as torch.Generator is. */
  constructor(device = 'cpu') {
    const fn = 'torch.Generator';
    this.device = checkDevice(fn, 'device', device);
    this.#h = named(fn, () => native.generatorNew(this.device, DEFAULT_SEED));
  }

  /** The native generator, for the ops that take one. */
  get handle(): GenHandle {
    return this.#h;
  }

  /** Seeds the stream; the same seed gives the same draws as torch.manualSeed(seed) gives the default generator. */
  manualSeed(seed: number): this {
    native.generatorManualSeed(this.#h, checkSeed('Generator.manualSeed', seed));
    return this;
  }

  /** Reseeds from a non-deterministic source and returns the seed (a safe integer, so it can be given back). */
  seed(): number {
    const s = randomInt(0, 2 ** 48 - 1);
    native.generatorManualSeed(this.#h, s);
    return s;
  }

  /** The seed it was last seeded with. */
  initialSeed(): number {
    return Number(native.generatorInitialSeed(this.#h));
  }

  /** The whole state as a uint8 CPU tensor (owned by the caller); setState restores it. */
  getState(): Tensor {
    return wrap(native.generatorGetState(this.#h));
  }

  setState(state: Tensor): this {
    const fn = 'Generator.setState';
    checkTensor(fn, 'state', state);
    if (state.dtype !== 'uint8' || state.device !== 'cpu') fail(fn, 'state', 'a uint8 CPU tensor (from getState)', state);
    named(fn, () => native.generatorSetState(this.#h, state._h));
    return this;
  }
}

/** The generator option of a random op on `device`: none, or a Generator of the same device type. */
export function generatorOf(fn: string, arg: string, v: unknown, device: string): GenHandle | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Generator)) fail(fn, arg, 'a torch.Generator', v);
  const g = v as Generator;
  if ((g.device === 'cpu') !== (device === 'cpu'))
    fail(fn, arg, `a generator for ${device === 'cpu' ? 'the CPU' : 'CUDA'} (the tensor's device, ${device})`, g);
  return g.handle;
}

// A plain multi-layer perceptron for flat inputs.
import { Sequential } from '../layers/container.js';
import { Linear } from '../layers/linear.js';
import { ReLU } from '../layers/activation.js';
import { argInt, argInts } from './args.js';
import { registerModel, type ModelArgs } from './registry.js';

export interface MlpArgs { nIn?: number; nOut?: number; hidden?: number[] }

/** Linear -> ReLU blocks and a linear head, for flat inputs. */
export function mlp(a: MlpArgs = {}): Sequential {
  const nIn = argInt('mlp', 'nIn', a.nIn);
  const nOut = argInt('mlp', 'nOut', a.nOut);
  const hidden = argInts('mlp', 'hidden', a.hidden ?? [200, 100]);
  const sizes = [nIn, ...hidden];
  return new Sequential(...hidden.flatMap((h, i) => [new Linear(sizes[i]!, h), new ReLU()]), new Linear(sizes.at(-1)!, nOut));
}

registerModel('mlp', (a: ModelArgs) => mlp(a as MlpArgs));

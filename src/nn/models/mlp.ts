// A plain multi-layer perceptron for flat inputs.
import { Sequential } from '../layers/container.js';
import { Linear } from '../layers/linear.js';
import { ReLU } from '../layers/activation.js';
import { argInt, argInts, argObject, assemble, or } from './args.js';
import { registerModel, type ModelArgs } from './registry.js';

export interface MlpArgs {
  nIn?: number;
  nOut?: number;
  hidden?: number[];
}

/** Linear -> ReLU blocks and a linear head, for flat inputs. */
export function mlp(a: MlpArgs = {}): Sequential {
  const fn = 'models.mlp';
  argObject(fn, a, ['nIn', 'nOut', 'hidden']);
  const nIn = argInt(fn, 'nIn', a.nIn);
  const nOut = argInt(fn, 'nOut', a.nOut);
  const hidden = argInts(fn, 'hidden', or(a.hidden, [200, 100]));
  const sizes = [nIn, ...hidden];
  return assemble(
    fn,
    (keep) => new Sequential(...hidden.flatMap((h, i) => [keep(new Linear(sizes[i]!, h)), new ReLU()]), keep(new Linear(sizes.at(-1)!, nOut))),
  );
}

registerModel('mlp', (a: ModelArgs) => mlp(a as MlpArgs));

// The demo's image classifier: stride-2 conv + ReLU + BatchNorm blocks, global average pooling, a linear head.
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { ReLU } from '../layers/activation.js';
import { BatchNorm2d } from '../layers/norm.js';
import { AdaptiveAvgPool2d } from '../layers/pooling.js';
import { Flatten } from '../layers/linear.js';
import { Linear } from '../layers/linear.js';
import { argInt, argInts, argObject, assemble, or } from './args.js';
import { registerModel, type ModelArgs } from './registry.js';

export interface SimpleCnnArgs {
  nIn?: number;
  nOut?: number;
  channels?: number[];
}

export function simpleCnn(a: SimpleCnnArgs = {}): Sequential {
  const fn = 'models.simpleCnn';
  argObject(fn, a, ['nIn', 'nOut', 'channels']);
  const nIn = argInt(fn, 'nIn', or(a.nIn, 1));
  const nOut = argInt(fn, 'nOut', or(a.nOut, 10));
  const channels = argInts(fn, 'channels', or(a.channels, [32, 64, 128]));
  return assemble(fn, (keep) => {
    const layers = channels.flatMap((c, i) => {
      const cin = i === 0 ? nIn : channels[i - 1]!;
      return [keep(new Conv2d(cin, c, 3, { stride: 2, padding: 1 })), new ReLU(), keep(new BatchNorm2d(c))];
    });
    return new Sequential(...layers, new AdaptiveAvgPool2d(1), new Flatten(), keep(new Linear(channels.at(-1) ?? nIn, nOut)));
  });
}

registerModel('simpleCnn', (a: ModelArgs) => simpleCnn(a as SimpleCnnArgs));

// The draws of one image's item transforms inside a loader. Images decode on libuv's threads and finish in any
// order, so drawing from libtorch's generator after decoding would make a seeded run differ from the last. Instead
// a seed is taken from libtorch's generator when the image is requested (in batch order, so torch.manualSeed still
// repeats a run) and the image's draws come from a small generator (mulberry32) on that seed.
import * as torch from '../torch/index.js';
import type { Rng } from './item-transforms.js';

/** A source of uniform draws in [0, 1) for one image, seeded from libtorch's generator now. */
export function itemDraws(): Rng {
  let state = torch.tidy(() => torch.randint(0, 2 ** 31 - 1, [1]).item() as number) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The benchmark models, written with raw functional ops exactly as in bench/torch_steps.py.
import { torch, type Tensor } from '../src/index.js';

const F = torch.functional;

export interface Model {
  name: string;
  input: number[];
  classes: number;
  shapes: number[][];
  forward(x: Tensor, p: Tensor[]): Tensor;
}

/** A model's parameters (randn * 0.05), input and class targets, seeded as bench/torch_steps.py's setup(). */
export function stepData(m: Model, device: string): { params: Tensor[]; x: Tensor; y: Tensor } {
  torch.manualSeed(0);
  const params = m.shapes.map((s) => torch.randn(s, { device }).mul_(0.05).requiresGrad_().keep());
  const x = torch.randn(m.input, { device }).keep();
  const y = torch.randint(0, m.classes, [m.input[0]!], { device }).keep();
  return { params, x, y };
}

/** Steps per timed block, and trivial ops per timed block (the same numbers are in bench/torch_steps.py). */
export const BLOCK_STEPS = 10;
export const OPS_PER_BLOCK = 2000;
/** The optimizer benchmark's model: 50 tensors of 100 x 200, a million parameters. */
export const OPT_TENSORS = 50;
export const OPT_TENSOR_SHAPE = [100, 200];

/** MLP 784-256-10 at batch 128. */
export const mlp: Model = {
  name: 'MLP 784-256-10, batch 128',
  input: [128, 784],
  classes: 10,
  shapes: [[256, 784], [256], [10, 256], [10]],
  forward: (x, [w1, b1, w2, b2]) => F.linear(F.linear(x, w1!, b1!).relu(), w2!, b2!),
};

/** A tiny MLP, where thread wake-ups and per-call overhead dominate the step. */
export const tiny: Model = {
  name: 'tiny MLP 20-32-4, batch 16',
  input: [16, 20],
  classes: 4,
  shapes: [[32, 20], [32], [4, 32], [4]],
  forward: mlp.forward,
};

/** Small CNN on 28x28 at batch 64: conv 1-16 s2, conv 16-32 s2, global average pool, linear 32-10. */
export const cnn: Model = {
  name: 'CNN conv16-conv32-pool-linear, 1x28x28, batch 64',
  input: [64, 1, 28, 28],
  classes: 10,
  shapes: [[16, 1, 3, 3], [16], [32, 16, 3, 3], [32], [10, 32], [10]],
  forward: (x, [c1, cb1, c2, cb2, w, b]) => {
    const h1 = F.conv2d(x, c1!, cb1!, { stride: 2, padding: 1 }).relu();
    const h2 = F.conv2d(h1, c2!, cb2!, { stride: 2, padding: 1 }).relu();
    return F.linear(F.adaptiveAvgPool2d(h2, 1).flatten(1), w!, b!);
  },
};

export const MODELS: Record<string, Model> = { mlp, cnn, tiny };

/** A wider MLP where float16 matmuls matter: 1024-4096-4096-10 at batch 512. */
export const wide: Model = {
  name: 'MLP 1024-4096-4096-10, batch 512',
  input: [512, 1024],
  classes: 10,
  shapes: [[4096, 1024], [4096], [4096, 4096], [4096], [10, 4096], [10]],
  forward: (x, [w1, b1, w2, b2, w3, b3]) => F.linear(F.linear(F.linear(x, w1!, b1!).relu(), w2!, b2!).relu(), w3!, b3!),
};

/** The mixed-precision rows (GPU): the same step under autocast with loss scaling (bench/amp_steps.ts). */
export const AMP_MODELS: Record<string, Model> = { cnn, wide };

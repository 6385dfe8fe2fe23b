// Flint's side of the benchmark, as a child process that bench/run.ts drives over stdin: after warming up it
// answers each command ("mlp", "cnn", "op", "native") with the time of one block, so run.ts can alternate
// Flint and PyTorch (bench/torch_steps.py) block by block and compare them under the same machine noise.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { optim, torch } from '../src/index.js';
import { native } from '../src/torch/native.js';
import { type Model, AMP_MODELS, BLOCK_STEPS, OPS_PER_BLOCK, MODELS, OPT_TENSORS, OPT_TENSOR_SHAPE, stepData } from './models.js';
import { makeAmpStep } from './amp_steps.js';

const F = torch.functional;
const { values } = parseArgs({ options: { device: { type: 'string', default: 'cpu' }, threads: { type: 'string' }, amp: { type: 'boolean' } } });
const device = values.device!;
if (values.threads) torch.setNumThreads(Number(values.threads));
const sync = (): void => {
  if (device !== 'cpu') torch.cuda.synchronize();
};

/** One SGD step: forward, cross entropy, backward, p -= lr * grad, grads cleared. Same as the Python step. */
function makeStep(m: Model): () => void {
  const { params, x, y } = stepData(m, device);
  return () =>
    torch.tidy(() => {
      const loss = F.crossEntropy(m.forward(x, params), y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!, 0.01);
          p.grad = null;
        }
      });
    });
}

const a = torch.ones([1], { device }).keep();
const b = torch.ones([1], { device }).keep();
const blocks: Record<string, () => number> = {};
const timed = (step: () => void) => (): number => {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < BLOCK_STEPS; k++) step();
  sync();
  return Number(process.hrtime.bigint() - t0) / 1e6 / BLOCK_STEPS; // ms per step
};
for (const [name, m] of Object.entries(MODELS)) blocks[name] = timed(makeStep(m));
// mixed precision (GPU rows; `--amp` adds them on the CPU, in bfloat16, for checking the code)
if (device !== 'cpu' || values.amp) for (const [name, m] of Object.entries(AMP_MODELS)) blocks[`${name}-amp`] = timed(makeAmpStep(m, device));
// AdamW steps over a 1M-parameter, 50-tensor model with fixed gradients: the optimizer alone
{
  torch.manualSeed(0);
  const params = Array.from({ length: OPT_TENSORS }, () => torch.randn(OPT_TENSOR_SHAPE, { device }).requiresGrad_().keep());
  for (const p of params) p.grad = torch.randn(OPT_TENSOR_SHAPE, { device }).keep();
  const opt = optim.AdamW(params, { lr: 1e-3 });
  blocks.adamw = () => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < BLOCK_STEPS; k++) opt.step();
    sync();
    return Number(process.hrtime.bigint() - t0) / 1e6 / BLOCK_STEPS;
  };
}
// ns per `a.add(b)` on one-element tensors, scope bookkeeping and disposal included
blocks.op = () => {
  const t0 = process.hrtime.bigint();
  torch.tidy(() => {
    for (let k = 0; k < OPS_PER_BLOCK; k++) a.add(b);
  });
  sync();
  return Number(process.hrtime.bigint() - t0) / OPS_PER_BLOCK;
};
// the same add called from C++ alone: the floor the binding's overhead is measured against
blocks.native = () => native.timeNativeAdd(a._h, b._h, OPS_PER_BLOCK);

for (const f of Object.values(blocks)) for (let k = 0; k < 3; k++) f(); // warm-up
console.log(JSON.stringify({ ready: true, threads: torch.getNumThreads(), blasThreads: torch.getBlasThreads() }));
for await (const line of createInterface({ input: process.stdin })) {
  const f = blocks[line.trim()];
  if (!f) break;
  console.log(String(f()));
}

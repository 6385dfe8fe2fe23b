// A small MLP trained on generated data, written directly with the Tensor API (no nn, optim or Learner):
// three interleaved spirals, 2-64-64-3, SGD with momentum. Run: node dist/examples/spirals-mlp.js
import { torch, type Tensor } from '../src/index.js';

const F = torch.functional;

/** Three spiral arms of n points each, with a little noise: a classic not-linearly-separable task. */
function spirals(n: number): { x: Tensor; y: Tensor } {
  return torch.tidy(() => {
    const t = torch.linspace(0, 1, n).repeat(3); // radius along each arm
    const arm = torch.arange(3, { dtype: 'int64' }).repeat(n, 1).t().flatten(); // 0..0 1..1 2..2
    const angle = t
      .mul(4)
      .add(arm.float().mul((2 * Math.PI) / 3))
      .add(torch.randn([3 * n]).mul(0.2));
    const x = torch.stack([t.mul(angle.cos()), t.mul(angle.sin())], 1);
    return { x, y: arm };
  });
}

function linearParams(fanIn: number, fanOut: number): Tensor[] {
  const bound = 1 / Math.sqrt(fanIn); // PyTorch's default Linear init range
  return [torch.empty([fanOut, fanIn]).uniform_(-bound, bound).requiresGrad_(), torch.empty([fanOut]).uniform_(-bound, bound).requiresGrad_()];
}

export async function demo(opts: { steps?: number; log?: (line: string) => void } = {}): Promise<{ first: number; last: number; accuracy: number }> {
  const log = opts.log ?? console.log;
  const steps = opts.steps ?? 600;
  torch.manualSeed(42);
  const { x, y } = spirals(300);
  const params = [...linearParams(2, 64), ...linearParams(64, 64), ...linearParams(64, 3)];
  const velocity = params.map((p) => torch.zerosLike(p));
  const [w1, b1, w2, b2, w3, b3] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const model = (inp: Tensor): Tensor => F.linear(F.linear(F.linear(inp, w1, b1).relu(), w2, b2).relu(), w3, b3);
  const lr = 0.1;
  const momentum = 0.9;
  log(`Spirals: 2-64-64-3 MLP on ${x.shape[0]} spiral points, SGD lr=${lr} momentum=${momentum}, libtorch ${torch.libtorchVersion}`);
  let first = NaN;
  let last = NaN;
  const start = performance.now();
  for (let step = 0; step <= steps; step++) {
    const loss = torch.tidy(() => {
      const l = F.crossEntropy(model(x), y);
      l.backward();
      const grads = params.map((p) => p.grad!);
      torch.noGrad(() => {
        torch.foreachMul_(velocity, momentum); // v = momentum * v + g
        torch.foreachAdd_(velocity, grads);
        torch.foreachAdd_(params, velocity, -lr); // p -= lr * v
        torch.foreachZero_(grads);
      });
      return step % 50 === 0 ? l.item() : NaN; // read the loss from the device only when printing
    });
    if (step === 0) first = loss;
    if (!Number.isNaN(loss)) {
      last = loss;
      log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
      await new Promise((r) => setImmediate(r)); // stay responsive (Ctrl-C, timers)
    }
  }
  const accuracy = torch.tidy(() => torch.noGrad(() => model(x).argmax(1).eq(y).float().mean().item()));
  log(
    `trained in ${((performance.now() - start) / 1000).toFixed(2)} s: loss ${first.toFixed(4)} -> ${last.toFixed(4)}, ` +
      `training accuracy ${(accuracy * 100).toFixed(1)}%`,
  );
  torch.dispose([x, y, params, velocity]);
  return { first, last, accuracy };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  demo().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

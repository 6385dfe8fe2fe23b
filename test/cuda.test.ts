// CUDA: runs where libtorch sees a GPU (the GPU machine: scripts/gpu-check.sh) and is skipped elsewhere.
// Every result is checked against the same computation on the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Callback, Learner, callbacks, data, metrics, nn, torch, TorchError, type Tensor } from '../src/index.js';
import { gc } from './helpers.js';

const F = torch.functional;
const skip = torch.cuda.isAvailable() ? false : 'no CUDA device';

function onBoth(fn: (dev: string) => Tensor, tol = 1e-4): void {
  torch.tidy(() => {
    torch.manualSeed(0);
    const cpu = fn('cpu');
    torch.manualSeed(0);
    const gpu = fn('cuda');
    assert.equal(gpu.device, 'cuda:0');
    assert.ok(gpu.cpu().allclose(cpu, tol, tol), `cpu and cuda differ: max |diff| ${gpu.cpu().sub(cpu).abs().max().item()}`);
  });
}

test('tensors move to the GPU and back unchanged', { skip }, () => {
  torch.tidy(() => {
    const x = torch.randn([100, 7]);
    const g = x.cuda();
    assert.equal(g.device, 'cuda:0');
    assert.ok(g.cpu().equal(x));
    assert.ok(x.to('cuda:0').to('cpu').equal(x));
    assert.deepEqual(Array.from(g.toTypedArray() as Float32Array), Array.from(x.toTypedArray() as Float32Array));
    assert.equal(torch.tensor([1, 2], { device: 'cuda' }).sum().item(), 3);
    assert.match(String(torch.ones(2, { device: 'cuda' })), /^tensor\(\[1\., 1\.\], device='cuda:0'\)$/);
  });
});

test('ops on the GPU match the CPU', { skip }, () => {
  const inputs = (dev: string) => [torch.randn([32, 64]).to(dev), torch.randn([64, 16]).to(dev)] as const;
  onBoth((dev) => {
    const [a, b] = inputs(dev);
    return a.matmul(b).relu().softmax(1);
  });
  onBoth((dev) => {
    const [a] = inputs(dev);
    return a.sum(1).add(a.amax(1)).sub(a.std(1));
  });
  onBoth((dev) => {
    const [a] = inputs(dev);
    return a.sort(1).values.cumsum(1);
  });
  onBoth((dev) => {
    const x = torch.randn([4, 3, 16, 16]).to(dev);
    const w = torch.randn([8, 3, 3, 3]).to(dev);
    return F.maxPool2d(F.conv2d(x, w, null, { padding: 1 }).relu(), 2);
  }, 5e-3); // cuDNN may use TF32 for convolutions
  onBoth((dev) => {
    const logits = torch.randn([16, 10]).to(dev);
    const y = torch.randint(0, 10, [16]).to(dev);
    return F.crossEntropy(logits, y, { labelSmoothing: 0.1 });
  });
  onBoth((dev) => {
    const q = torch.randn([2, 4, 8, 16]).to(dev);
    return F.scaledDotProductAttention(q, q.mul(0.5), q.flip(2), { isCausal: true });
  }, 2e-3);
});

test('gradients on the GPU match the CPU', { skip }, () => {
  onBoth((dev) => {
    const w = torch.randn([10, 5]).to(dev).requiresGrad_();
    const x = torch.randn([8, 5]).to(dev);
    const y = torch.randint(0, 10, [8]).to(dev);
    F.crossEntropy(F.linear(x, w), y).backward();
    return w.grad!;
  });
});

test('multi-tensor updates on the GPU', { skip }, () => {
  onBoth((dev) => {
    const xs = [torch.randn([5]).to(dev), torch.randn([3, 3]).to(dev)];
    const ys = [torch.randn([5]).to(dev), torch.randn([3, 3]).to(dev)];
    torch.foreachMul_(xs, 0.9);
    torch.foreachAdd_(xs, ys, 0.1);
    torch.foreachLerp_(xs, ys, 0.3);
    return torch.cat([xs[0]!, xs[1]!.flatten()]);
  });
});

test('training on the GPU leaves live tensors unchanged', { skip }, () => {
  torch.manualSeed(1);
  const w = torch.randn([64, 10], { device: 'cuda' }).mul_(0.1).requiresGrad_();
  const x = torch.randn([256, 64], { device: 'cuda' });
  const y = torch.randint(0, 10, [256], { device: 'cuda' });
  const step = () =>
    torch.tidy(() => {
      const loss = F.crossEntropy(x.matmul(w), y);
      loss.backward();
      torch.noGrad(() => {
        w.sub_(w.grad!, 0.5);
        w.grad = null;
      });
      return loss.item();
    });
  const first = step();
  gc();
  const live = torch.memory().liveTensors;
  let last = first;
  for (let k = 0; k < 500; k++) last = step();
  gc();
  assert.equal(torch.memory().liveTensors, live);
  assert.ok(last < first, `loss ${first} -> ${last}`);
  torch.dispose([w, x, y]);
});

test('seeded GPU random ops repeat', { skip }, () => {
  torch.tidy(() => {
    torch.manualSeed(5);
    const a = torch.randn([10], { device: 'cuda' }).cpu();
    torch.manualSeed(5);
    assert.ok(torch.randn([10], { device: 'cuda' }).cpu().equal(a));
  });
});

test('GPU mistakes are TorchErrors, not crashes', { skip }, () => {
  torch.tidy(() => {
    const n = torch.cuda.deviceCount();
    assert.throws(
      () => torch.zeros([2], { device: `cuda:${n}` }),
      (e: unknown) => e instanceof TorchError && /does not exist/.test(e.message),
    );
    assert.throws(
      () => torch.ones(2, { device: 'cuda' }).add(torch.ones(2)),
      (e: unknown) => e instanceof TorchError && /device/.test(e.message),
    );
    assert.equal(torch.ones(2, { device: 'cuda' }).sum().item(), 2);
  });
});

test('safetensors load straight onto the GPU', { skip }, () => {
  torch.tidy(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'flint-cuda-')), 'w.safetensors');
    const w = torch.randn([3, 4], { device: 'cuda' });
    torch.save({ w }, path);
    const back = torch.load(path, { device: 'cuda' }).w!;
    assert.equal(back.device, 'cuda:0');
    assert.ok(back.equal(w));
  });
});

test('nn layers moved to the GPU give the CPU results', { skip }, () => {
  const layers: [() => import('../src/index.js').nn.Module, number[]][] = [
    [() => new nn.LSTM(4, 6, { numLayers: 2, bidirectional: true }), [5, 3, 4]],
    [() => new nn.GRU(4, 6, { batchFirst: true }), [3, 5, 4]],
    [() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }), [5, 3, 8]],
    [() => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten()), [2, 2, 5, 5]],
    [() => new nn.EmbeddingBag(10, 4, { mode: 'sum' }), [-1]],
  ];
  for (const [make, shape] of layers) {
    torch.tidy(() => {
      torch.manualSeed(3);
      const cpu = make();
      torch.manualSeed(3);
      const gpu = make().to('cuda');
      const x =
        shape[0] === -1
          ? torch.tensor(
              [
                [1, 2, 3],
                [4, 5, 9],
              ],
              { dtype: 'int64' },
            )
          : torch.randn(shape);
      const out = (m: import('../src/index.js').nn.Module, inp: Tensor): Tensor => {
        const r = m.call(inp);
        return Array.isArray(r) ? r[0] : r;
      };
      const a = out(cpu, x);
      const b = out(gpu, x.cuda());
      assert.equal(b.device, 'cuda:0');
      assert.ok(b.cpu().allclose(a, 2e-3, 2e-4), `${cpu.constructor.name}: max |diff| ${b.cpu().sub(a).abs().max().item()}`);
      cpu.dispose();
      gpu.dispose();
    });
  }
});

test('the Learner trains on the GPU with device-side sums', { skip }, async () => {
  torch.manualSeed(0);
  const w = torch.randn([10, 3]);
  const x = torch.randn([512, 10]);
  const xv = torch.randn([128, 10]);
  const dls = data.DataLoaders.fromTensors(x, x.matmul(w).argmax(1), xv, xv.matmul(w).argmax(1), { batchSize: 32, device: 'cuda' });
  const learn = new Learner(dls, new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Linear(32, 3)), {
    lossFunc: new nn.CrossEntropyLossFlat(),
    metrics: [metrics.accuracy(), metrics.F1Score({ average: 'macro' })],
    lr: 1e-2,
  });
  const reads = torch.hostReads();
  await learn.noBar(() => learn.withoutLogging(() => learn.fit(3)));
  assert.ok(torch.hostReads() - reads < 40, `${torch.hostReads() - reads} host reads over 3 epochs of 16 + 4 batches`);
  assert.equal((learn.model.parameters()[0] as Tensor).device, 'cuda:0');
  const acc = learn.recorder!.values[2]![2]!;
  assert.ok(acc > 0.8, `accuracy ${acc}`);
});

test('MixedPrecision on the GPU: float16 autocast with the loss scaler, float32 weights, the loss falls', { skip }, async () => {
  torch.manualSeed(0);
  const w = torch.randn([10, 3]);
  const x = torch.randn([512, 10]);
  const dls = data.DataLoaders.fromTensors(x, x.matmul(w).argmax(1), x.narrow(0, 0, 128), x.narrow(0, 0, 128).matmul(w).argmax(1), {
    batchSize: 32,
    device: 'cuda',
  });
  const mp = new callbacks.MixedPrecision();
  const dtypes: string[] = [];
  const probe = new Callback({
    afterPred: (l) => {
      dtypes.push(l.pred!.dtype);
    },
  });
  probe.order = 5;
  const learn = new Learner(dls, new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Linear(32, 3)), {
    lossFunc: new nn.CrossEntropyLoss(),
    metrics: [metrics.accuracy()],
    lr: 1e-2,
    cbs: [mp, probe],
  });
  await learn.noBar(() => learn.withoutLogging(() => learn.fit(3)));
  assert.equal(dtypes[0], 'float16');
  assert.ok(mp.scaler!.enabled, 'float16 uses the scaler');
  assert.equal(mp.scaler!.getScale(), 2 ** 16, 'no overflow on this problem, and no growth before 2000 steps');
  assert.equal(torch.autocastState('cuda').enabled, false);
  assert.ok(learn.model.parameters().every((p) => p.dtype === 'float32'));
  const acc = learn.recorder!.values[2]![2]!;
  assert.ok(acc > 0.8, `accuracy ${acc}`);
});

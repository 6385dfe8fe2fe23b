// ResNets against torchvision (fixtures/resnet, made by make_resnet_fixtures.py with python3-torchvision 0.14):
// state-dict keys and shapes, eval and train forwards with deterministic weights, loading through safetensors;
// fastai's xresnet: structure, parameter counts, zero-init blocks; models.modelMeta.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { models, nn, torch, type Tensor } from '../src/index.js';
import { liveTensors, fillDeterministic } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/resnet/${name}`, import.meta.url));
const keys = JSON.parse(readFileSync(fixture('keys.json'), 'utf8')) as Record<string, { keys: [string, number[]][]; params: number }>;
interface Sample {
  shape: number[];
  index: number[];
  values: number[];
  sum: number;
  absMean: number;
}
interface Rec {
  logits: number[];
  logitsShape: number[];
  layer2: Sample;
}
const fwd = JSON.parse(readFileSync(fixture('forward.json'), 'utf8')) as {
  nClasses: number;
  eval: Record<string, Rec>;
  train: { resnet18: Rec & { 'bn1.running_mean': number[]; 'bn1.running_var': number[]; 'layer4.1.bn2.running_var': Sample } };
};
const ARCHS = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'] as const;
const nParams = (m: nn.Module) => m.parameters().reduce((s, p) => s + p.numel(), 0);

/** The fixture script's deterministic weights (helpers.fillDeterministic), the residual branches' last norms marked. */
function fill(m: nn.Module, bottleneck: boolean): void {
  fillDeterministic(m, (name) => isLastBn(name, bottleneck));
}
function isLastBn(name: string, bottleneck: boolean): boolean {
  const p = name.split('.');
  return p[0]!.startsWith('layer') && (bottleneck ? p[2] === 'bn3' : p[2] === 'bn2');
}

// sin(i * 0.003) + 0.5 sin(i * 1.3): smooth and fine detail, so every image and channel differs
const input = () => {
  const i = torch.arange(2 * 3 * 64 * 64, { dtype: 'float64' });
  return i.mul(0.003).sin().add(i.mul(1.3).sin().mul(0.5)).reshape([2, 3, 64, 64]).float();
};
const maxDiff = (got: Tensor, want: number[]) => {
  const g = got.toTypedArray() as Float32Array;
  assert.equal(g.length, want.length);
  return want.reduce((m, w, i) => Math.max(m, Math.abs(g[i]! - w)), 0);
};
/** Runs the model, keeping layer2's output as the script's forward hook does. */
function run(m: models.ResNet, x: Tensor): { logits: Tensor; layer2: Tensor } {
  let layer2: Tensor | undefined;
  const h = m.layer2.registerForwardHook((_m, _i, o) => {
    layer2 = (o as Tensor).keep();
  });
  const logits = m.call(x);
  h.remove();
  return { logits, layer2: layer2! };
}
function checkSample(t: Tensor, s: Sample, tol: number, what: string): void {
  assert.deepEqual([...t.shape], s.shape, what);
  const flat = t.flatten();
  const got = s.index.map((i) => flat.select(0, i).item() as number);
  got.forEach((g, j) => assert.ok(Math.abs(g - s.values[j]!) <= tol, `${what}[${s.index[j]}]: ${g} vs ${s.values[j]}`));
  const sum = flat.double().sum().item() as number;
  assert.ok(Math.abs(sum - s.sum) <= tol * flat.numel(), `${what} sum ${sum} vs ${s.sum}`);
}

test("resnet18..152: torchvision's state-dict keys, in order, with the same shapes and parameter counts", () => {
  for (const a of ARCHS) {
    const m = models[a]();
    try {
      const got = Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);
      assert.deepEqual(got, keys[a]!.keys, a);
      assert.equal(nParams(m), keys[a]!.params, a);
    } finally {
      m.dispose();
    }
  }
  assert.equal(keys.resnet18!.params, 11_689_512); // torchvision's published count
});

test('resnet forward in eval mode equals torchvision to 1e-4 (logits and after layer2)', () => {
  for (const a of ARCHS) {
    const m = models[a]({ numClasses: fwd.nClasses });
    try {
      fill(m, a !== 'resnet18' && a !== 'resnet34');
      m.eval();
      torch.tidy(() =>
        torch.noGrad(() => {
          const want = fwd.eval[a]!;
          const { logits, layer2 } = run(m, input());
          assert.deepEqual([...logits.shape], want.logitsShape);
          const d = maxDiff(logits, want.logits);
          assert.ok(d <= 1e-4, `${a}: logits differ by ${d}`);
          checkSample(layer2, want.layer2, 1e-4, `${a} layer2`);
        }),
      );
    } finally {
      m.dispose();
    }
  }
});

test('resnet18 forward in train mode (batch statistics) equals torchvision, running statistics too', () => {
  const m = models.resnet18({ numClasses: fwd.nClasses });
  try {
    fill(m, false);
    m.train();
    const want = fwd.train.resnet18;
    torch.tidy(() =>
      torch.noGrad(() => {
        const { logits, layer2 } = run(m, input());
        const d = maxDiff(logits, want.logits);
        assert.ok(d <= 1e-4, `train logits differ by ${d}`);
        checkSample(layer2, want.layer2, 1e-4, 'train layer2');
        assert.ok(maxDiff(m.bn1.runningMean!, want['bn1.running_mean']) <= 1e-5);
        assert.ok(maxDiff(m.bn1.runningVar!, want['bn1.running_var']) <= 1e-5);
        const last = (m.layer4.children()[1] as models.BasicBlock).bn2.runningVar!;
        checkSample(last, want['layer4.1.bn2.running_var'], 1e-5, 'layer4.1.bn2.running_var');
      }),
    );
  } finally {
    m.dispose();
  }
});

test('a resnet saved with torch.save loads into a fresh one with no key mapping and gives the same logits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-resnet-'));
  const a = models.resnet18({ numClasses: fwd.nClasses });
  const b = models.resnet18({ numClasses: fwd.nClasses });
  try {
    fill(a, false);
    torch.save(a.stateDict(), join(dir, 'r18.safetensors'));
    const loaded = torch.load(join(dir, 'r18.safetensors'));
    const r = b.loadStateDict(loaded);
    for (const t of Object.values(loaded)) t.dispose();
    assert.deepEqual(r, { missingKeys: [], unexpectedKeys: [] });
    b.eval();
    torch.tidy(() => torch.noGrad(() => assert.ok(maxDiff(b.call(input()), fwd.eval.resnet18!.logits) <= 1e-4)));
  } finally {
    a.dispose();
    b.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a safetensors file written by hand in Python (header + bytes) loads into resnet18 by its torchvision keys', () => {
  const m = models.resnet18({ numClasses: fwd.nClasses });
  const ref = models.resnet18({ numClasses: fwd.nClasses });
  const part = torch.load(fixture('partial.safetensors'));
  try {
    fill(ref, false);
    const r = m.loadStateDict(part, { strict: false });
    assert.deepEqual(r.unexpectedKeys, []);
    assert.equal(r.missingKeys.length, Object.keys(m.stateDict()).length - Object.keys(part).length);
    const mine = m.stateDict();
    const want = ref.stateDict();
    for (const k of Object.keys(part)) assert.ok(mine[k]!.equal(want[k]!), k);
    assert.equal(part['bn1.num_batches_tracked']!.dtype, 'int64');
  } finally {
    for (const t of Object.values(part)) t.dispose();
    m.dispose();
    ref.dispose();
  }
});

test('resnet: zeroInitResidual zeroes the last norm of each block; children end in avgpool, fc (cut -2)', () => {
  const m = models.resnet50({ numClasses: 3, zeroInitResidual: true });
  try {
    const sd = m.stateDict();
    for (const [k, t] of Object.entries(sd)) {
      if (/^layer\d\.\d+\.bn3\.weight$/.test(k)) assert.equal(t.abs().sum().item(), 0, k);
      if (/^layer\d\.\d+\.bn[12]\.weight$/.test(k)) assert.equal(t.sum().item(), t.numel(), k);
    }
    const names = m.namedChildren().map(([n]) => n);
    assert.deepEqual(names, ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc']);
    assert.deepEqual(names.slice(0, models.modelMeta('resnet50').cut).at(-1), 'layer4');
  } finally {
    m.dispose();
  }
});

/** fastai's xresnet parameter count, tallied from the structure by hand: conv k x k without bias, BatchNorm
 * weight + bias, the Linear head. */
function xresnetParams(expansion: number, layers: number[], nOut: number, cIn = 3): number {
  const conv = (ci: number, co: number, k: number) => ci * co * k * k;
  const bn = (c: number) => 2 * c;
  let n = conv(cIn, 32, 3) + bn(32) + conv(32, 32, 3) + bn(32) + conv(32, 64, 3) + bn(64);
  const szs = [64 / expansion, 64, 128, 256, 512];
  layers.forEach((blocks, i) => {
    for (let j = 0; j < blocks; j++) {
      const ni = (j === 0 ? szs[i]! : szs[i + 1]!) * expansion;
      const nh = szs[i + 1]!;
      const nf = nh * expansion;
      n +=
        expansion === 1
          ? conv(ni, nh, 3) + bn(nh) + conv(nh, nf, 3) + bn(nf)
          : conv(ni, nh, 1) + bn(nh) + conv(nh, nh, 3) + bn(nh) + conv(nh, nf, 1) + bn(nf);
      if (ni !== nf) n += conv(ni, nf, 1) + bn(nf);
    }
  });
  return n + 512 * expansion * nOut + nOut;
}

test('xresnet18..152: parameter counts from the structure; xresnet18 has 11,708,744 (11,195,744 in the body)', () => {
  const specs = [
    ['xresnet18', 1, [2, 2, 2, 2]],
    ['xresnet34', 1, [3, 4, 6, 3]],
    ['xresnet50', 4, [3, 4, 6, 3]],
    ['xresnet101', 4, [3, 4, 23, 3]],
    ['xresnet152', 4, [3, 8, 36, 3]],
  ] as const;
  for (const [name, e, l] of specs) {
    const m = models[name]();
    try {
      assert.equal(nParams(m), xresnetParams(e, [...l], 1000), name);
      assert.equal(m.children().length, 12, name);
    } finally {
      m.dispose();
    }
  }
  assert.equal(xresnetParams(1, [2, 2, 2, 2], 1000), 11_708_744);
  const m = models.xresnet18({ nOut: 7, cIn: 1, p: 0.25 });
  try {
    assert.equal(nParams(m), xresnetParams(1, [2, 2, 2, 2], 7, 1));
    const y = torch.tidy(() => m.call(torch.randn([2, 1, 40, 40])).keep());
    assert.deepEqual([...y.shape], [2, 7]);
    y.dispose();
  } finally {
    m.dispose();
  }
});

test("xresnet: fastai's module names and shapes, and the shortcut avg-pools before its 1x1 conv", () => {
  const m = models.xresnet50({ nOut: 10 });
  try {
    const sd = m.stateDict();
    const shape = (k: string) => [...sd[k]!.shape];
    assert.deepEqual(shape('0.0.weight'), [32, 3, 3, 3]);
    assert.deepEqual(shape('2.0.weight'), [64, 32, 3, 3]);
    assert.deepEqual(shape('4.0.convpath.0.0.weight'), [64, 64, 1, 1]);
    assert.deepEqual(shape('4.0.convpath.2.1.weight'), [256]);
    assert.deepEqual(shape('4.0.idpath.0.0.weight'), [256, 64, 1, 1]); // stride 1: no pool, conv at 0
    assert.deepEqual(shape('5.0.idpath.1.0.weight'), [512, 256, 1, 1]); // stride 2: pool at 0, conv at 1
    assert.deepEqual(shape('5.0.convpath.1.0.weight'), [128, 128, 3, 3]); // the stride on the 3x3
    assert.deepEqual(shape('11.weight'), [10, 2048]);
    assert.ok(!('4.1.idpath.0.0.weight' in sd));
    const pool = (m.children()[5]!.children()[0] as models.ResBlock).idpath.children()[0];
    assert.ok(pool instanceof nn.AvgPool2d && pool.o.ceilMode === true && pool.kernelSize === 2);
  } finally {
    m.dispose();
  }
});

test('xresnet at init: every bias 0, the last norm of each branch at 0, so a block is relu(shortcut(x))', () => {
  const m = models.xresnet34({ nOut: 4 });
  try {
    for (const [k, t] of Object.entries(m.stateDict())) {
      if (k.endsWith('.bias')) assert.equal(t.abs().sum().item(), 0, k);
      if (/convpath\.1\.1\.weight$/.test(k)) assert.equal(t.abs().sum().item(), 0, k);
      if (/^0\.1\.weight$|convpath\.0\.1\.weight$/.test(k)) assert.equal(t.sum().item(), t.numel(), k);
    }
    for (const train of [true, false]) {
      m.train(train);
      torch.tidy(() =>
        torch.noGrad(() => {
          for (const stage of [4, 5, 7]) {
            const block = m.children()[stage]!.children()[0] as models.ResBlock;
            const cin = (block.convpath.children()[0]!.children()[0] as nn.Conv2d).inChannels;
            const x = torch.randn([2, cin, 9, 9]);
            const want = block.idpath.call(x).relu();
            assert.ok(block.call(x).allclose(want, 0, 1e-6), `stage ${stage}, train ${train}`);
            if (stage > 4) assert.deepEqual([...want.shape].slice(2), [5, 5]); // ceil mode on an odd size
          }
        }),
      );
    }
  } finally {
    m.dispose();
  }
});

test('models.modelMeta: fastai cut / split / ImageNet stats per architecture', () => {
  const stats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  for (const a of ARCHS) assert.deepEqual(JSON.parse(JSON.stringify(models.modelMeta(a))), { cut: -2, split: [6], stats });
  assert.deepEqual(JSON.parse(JSON.stringify(models.modelMeta('xresnet50'))), { cut: -4, split: [3], stats });
  assert.throws(() => models.modelMeta('mlp'), /models\.modelMeta: expected an architecture .* for name, got "mlp"/);
  assert.ok(Object.isFrozen(models.modelMeta('resnet18').stats.mean));
});

test('createModel builds the registered resnets and xresnets with their arguments', () => {
  const m = models.createModel('resnet34', { numClasses: 5 });
  const x = models.createModel('xresnet18', { nOut: 3 });
  try {
    assert.deepEqual(models.modelSpec(m), { name: 'resnet34', args: { numClasses: 5 } });
    assert.deepEqual([...(m as models.ResNet).fc.weight.shape], [5, 512]);
    for (const n of [...ARCHS, 'xresnet18', 'xresnet34', 'xresnet50', 'xresnet101', 'xresnet152'])
      assert.ok(models.registeredModels().includes(n), n);
  } finally {
    m.dispose();
    x.dispose();
  }
});

test('resnet and xresnet refuse a wrong input with their own name, and leave no tensors behind', () => {
  const m = models.resnet18({ numClasses: 2 });
  const x = models.xresnet18({ nOut: 2 });
  try {
    const before = liveTensors();
    torch.tidy(() => {
      assert.throws(() => m.call(torch.zeros([1, 1, 32, 32])), /models\.resnet18: expected .*\[N, 3, H, W\]/);
      assert.throws(() => x.call(torch.zeros([3, 32, 32])), /models\.xresnet18: expected .*\[N, 3, H, W\]/);
      assert.throws(() => models.resnet50({ numClasses: 0 }), /models\.resnet50: expected .*numClasses/);
      assert.throws(() => models.xresnet18({ nOut: 4, bogus: 1 } as never), /models\.xresnet18/);
      m.call(torch.zeros([2, 3, 32, 32]));
    });
    assert.equal(liveTensors(), before);
  } finally {
    m.dispose();
    x.dispose();
  }
});

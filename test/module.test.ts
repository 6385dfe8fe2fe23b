// nn.Module behaviour: registration, traversal, modes, dtype/device moves, state dicts with PyTorch's keys,
// containers, init, and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, torch, type Tensor } from '../src/index.js';
import { gc } from './helpers.js';

class Block extends nn.Module {
  readonly conv = this.registerModule('conv', new nn.Conv2d(2, 4, 3, { padding: 1 }));
  readonly bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  forward(x: Tensor): Tensor { return this.bn.call(this.conv.call(x)).relu(); }
}
class Net extends nn.Module {
  readonly block = this.registerModule('block', new Block());
  readonly layers = this.registerModule('layers', new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(4 * 3 * 3, 5)));
  readonly scale = this.registerParameter('scale', torch.ones([1]));
  forward(x: Tensor): Tensor { return this.layers.call(this.block.call(x)).mul(this.scale); }
}

test('names, order and counts follow PyTorch', () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n),
    ['scale', 'block.conv.weight', 'block.conv.bias', 'block.bn.weight', 'block.bn.bias', 'layers.2.weight', 'layers.2.bias']);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), ['block.bn.running_mean', 'block.bn.running_var', 'block.bn.num_batches_tracked']);
  assert.deepEqual(Object.keys(net.stateDict()), ['scale', 'block.conv.weight', 'block.conv.bias', 'block.bn.weight', 'block.bn.bias',
    'block.bn.running_mean', 'block.bn.running_var', 'block.bn.num_batches_tracked', 'layers.2.weight', 'layers.2.bias']);
  assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'block', 'block.conv', 'block.bn', 'layers', 'layers.0', 'layers.1', 'layers.2']);
  assert.deepEqual(net.namedChildren().map(([n]) => n), ['block', 'layers']);
  assert.equal(net.parameters().reduce((s, p) => s + p.numel(), 0), 1 + (4 * 2 * 9 + 4) + 8 + (36 * 5 + 5));
  net.dispose();
});

test('a parameter shared by two modules is listed once', () => {
  const a = new nn.Linear(3, 3);
  const seq = new nn.Sequential(a, new nn.ReLU(), a);
  assert.equal(seq.parameters().length, 2);
  assert.deepEqual(seq.namedParameters().map(([n]) => n), ['0.weight', '0.bias']);
  a.dispose();
});

test('train/eval reach every module and change dropout and batch norm', () => {
  torch.tidy(() => {
    const net = new Net();
    const x = torch.randn([2, 2, 3, 3]);
    assert.equal(net.training, true);
    net.eval();
    assert.ok(net.modules().every((m) => !m.training));
    const a = net.call(x);
    const b = net.call(x);
    assert.ok(a.equal(b), 'eval mode is deterministic');
    assert.equal((net.block.bn.numBatchesTracked as Tensor).item(), 0);
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    net.call(x);
    assert.equal((net.block.bn.numBatchesTracked as Tensor).item(), 1);
    net.dispose();
  });
});

test('to(dtype) casts floating parameters and buffers in place, keeping identity and integer buffers', () => {
  torch.tidy(() => {
    const net = new Net();
    const w = net.block.conv.weight;
    net.call(torch.randn([2, 2, 3, 3])).sum().backward();
    net.to('float64');
    assert.equal(net.block.conv.weight, w, 'the same tensor object');
    assert.equal(w.dtype, 'float64');
    assert.equal(w.requiresGrad, true);
    assert.equal(w.grad!.dtype, 'float64');
    assert.equal(net.block.bn.runningMean!.dtype, 'float64');
    assert.equal(net.block.bn.numBatchesTracked!.dtype, 'int64');
    assert.equal(net.call(torch.randn([2, 2, 3, 3], { dtype: 'float64' })).dtype, 'float64');
    net.to({ dtype: 'float32', device: 'cpu' });
    assert.equal(w.dtype, 'float32');
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
    net.dispose();
  });
});

test('stateDict / loadStateDict round-trip through a safetensors file, by PyTorch keys', () => {
  torch.tidy(() => {
    const a = new Net();
    a.call(torch.randn([4, 2, 3, 3]));  // moves the running statistics
    a.eval();
    const path = join(mkdtempSync(join(tmpdir(), 'flint-nn-')), 'net.safetensors');
    torch.save(a.stateDict(), path);
    const b = new Net().eval();
    const x = torch.randn([2, 2, 3, 3]);
    assert.ok(!a.call(x).allclose(b.call(x)));
    assert.deepEqual(b.loadStateDict(torch.load(path)), { missingKeys: [], unexpectedKeys: [] });
    assert.ok(a.call(x).equal(b.call(x)));
    a.dispose();
    b.dispose();
  });
});

test('loadStateDict names missing, unexpected and mis-shaped keys', () => {
  torch.tidy(() => {
    const lin = new nn.Linear(3, 2);
    assert.throws(() => lin.loadStateDict({ weight: torch.zeros([2, 3]) }), /missing keys 'bias'/);
    assert.throws(() => lin.loadStateDict({ weight: torch.zeros([2, 3]), bias: torch.zeros([2]), extra: torch.zeros([1]) }), /unexpected keys 'extra'/);
    assert.throws(() => lin.loadStateDict({ weight: torch.zeros([3, 3]), bias: torch.zeros([2]) }), /shape mismatch for 'weight': checkpoint \[3, 3\], model \[2, 3\]/);
    const r = lin.loadStateDict({ weight: torch.ones([2, 3]), extra: torch.zeros([1]) }, { strict: false });
    assert.deepEqual(r, { missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    assert.equal(lin.weight.sum().item(), 6);
    lin.dispose();
  });
});

test('registration guards: duplicate names, dotted names, non-leaf parameters', () => {
  class Bad extends nn.Module { forward(x: Tensor): Tensor { return x; } }
  const m = new Bad();
  m.registerParameter('w', torch.zeros([1]));
  assert.throws(() => m.registerParameter('w', torch.zeros([1])), /'w' is already registered/);
  assert.throws(() => m.registerModule('a.b', new nn.ReLU()), /invalid member name "a.b"/);
  const leaf = torch.ones([1], { requiresGrad: true });
  assert.throws(() => m.registerParameter('v', leaf.mul(2)), /must be a leaf tensor/);
  m.dispose();
  leaf.dispose();
});

test('requiresGrad_(false) freezes; apply visits children first; parameters survive the scope that made them', () => {
  const net = torch.tidy(() => new Net());
  assert.ok(net.parameters().every((p) => !p.isDisposed));
  net.block.requiresGrad_(false);
  assert.ok(net.block.parameters().every((p) => !p.requiresGrad));
  assert.ok(net.layers.parameters().every((p) => p.requiresGrad));
  const order: string[] = [];
  net.apply((m) => order.push(m.constructor.name));
  assert.deepEqual(order, ['Conv2d', 'BatchNorm2d', 'Block', 'Flatten', 'Dropout', 'Linear', 'Sequential', 'Net']);
  net.dispose();
});

test('containers: Sequential, ModuleList, ModuleDict', () => {
  const seq = new nn.Sequential(new nn.Linear(2, 3)).append(new nn.ReLU());
  assert.equal(seq.length, 2);
  assert.ok(seq.at(-1) instanceof nn.ReLU);
  assert.throws(() => seq.at(5), /index 5 out of range for 2 layers/);
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
  assert.deepEqual(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.equal([...list].length, 2);
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  const dict = new nn.ModuleDict({ enc: new nn.Linear(2, 2), dec: new nn.Linear(2, 2) });
  assert.deepEqual(dict.keys(), ['enc', 'dec']);
  assert.ok(dict.get('dec') instanceof nn.Linear);
  assert.throws(() => dict.get('nope'), /no module named 'nope'/);
  assert.equal(String(dict), 'ModuleDict(\n  (enc): Linear(in_features=2, out_features=2, bias=True)\n  (dec): Linear(in_features=2, out_features=2, bias=True)\n)');
  for (const m of [seq, list, dict]) m.dispose();
});

test('layer arguments are checked', () => {
  assert.throws(() => new nn.Linear(0, 3), /Linear: inFeatures must be a positive integer, got 0/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
  assert.throws(() => new nn.Conv2d(2, 4, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided/);
  assert.throws(() => new nn.GroupNorm(3, 4), /numChannels \(4\) must be divisible by numGroups \(3\)/);
  assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), /paddingIdx must be an integer within numEmbeddings/);
  assert.throws(() => new nn.Dropout(2), /probability must be in \[0, 1\]/);
  assert.throws(() => new nn.CrossEntropyLoss({ reduction: 'avg' as never }), /reduction must be 'mean', 'sum' or 'none'/);
  torch.tidy(() => {
    const bn = new nn.BatchNorm2d(3);
    assert.throws(() => bn.call(torch.ones([2, 3])), /BatchNorm2d: expected 4D input \(got 2D input\)/);
    const lin = new nn.Linear(3, 2);
    assert.throws(() => lin.call(torch.ones([2, 4])), /linear\(.*cannot be multiplied/);
    bn.dispose();
    lin.dispose();
  });
});

test('init: gains, fans and the statistics of each initializer', () => {
  const I = nn.init;
  assert.equal(I.calculateGain('relu'), Math.sqrt(2));
  assert.equal(I.calculateGain('tanh'), 5 / 3);
  assert.equal(I.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(I.calculateGain('conv2d'), 1);
  torch.tidy(() => {
    assert.deepEqual(I.calculateFanInAndFanOut(torch.empty([16, 8, 3, 3])), [72, 144]);
    assert.throws(() => I.calculateFanInAndFanOut(torch.empty([5])), /fewer than 2 dimensions/);
    torch.manualSeed(0);
    const w = torch.empty([400, 500]);
    I.kaimingNormal_(w, { nonlinearity: 'relu' });
    assert.ok(Math.abs(w.std().item() - Math.sqrt(2 / 500)) < 0.002);
    I.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    assert.ok(w.abs().max().item() <= Math.sqrt(6 / 400) + 1e-6);
    I.xavierUniform_(w);
    assert.ok(w.abs().max().item() <= Math.sqrt(6 / 900) + 1e-6);
    I.xavierNormal_(w, 2);
    assert.ok(Math.abs(w.std().item() - 2 * Math.sqrt(2 / 900)) < 0.002);
    I.truncNormal_(w, 0.5, 1, -1, 2);
    assert.ok(w.min().item() >= -1 && w.max().item() <= 2);
    // mean of N(0.5, 1) truncated to [-1, 2] is 0.5 exactly by symmetry
    assert.ok(Math.abs(w.mean().item() - 0.5) < 0.01);
    const q = torch.empty([6, 10]);
    I.orthogonal_(q, 2);
    assert.ok(q.matmul(q.t()).allclose(torch.eye(6).mul(4), 1e-4, 1e-4), 'rows orthogonal with norm 2');
    assert.ok(I.zeros_(torch.empty([3])).equal(torch.zeros([3])));
    assert.ok(I.ones_(torch.empty([3])).equal(torch.ones([3])));
    assert.ok(I.constant_(torch.empty([2]), 7).equal(torch.full([2], 7)));
  });
});

test('training an nn model inside scopes leaves live tensors unchanged', () => {
  torch.manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Linear(16, 3));
  const lossFn = new nn.CrossEntropyLoss();
  const x = torch.randn([32, 8]).keep();
  const y = torch.randint(0, 3, [32]).keep();
  const step = () => torch.tidy(() => {
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    torch.noGrad(() => { for (const p of model.parameters()) p.sub_(p.grad!, 0.1); });
    model.zeroGrad();
    return loss.item();
  });
  const first = step();
  gc();  // earlier tests' unreferenced wrappers (stateDict() views...) go now, not in the middle of the count
  const live = torch.memory().liveTensors;
  let last = first;
  for (let k = 0; k < 300; k++) last = step();
  gc();
  assert.equal(torch.memory().liveTensors, live);
  assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  model.dispose();
  torch.dispose([x, y]);
});

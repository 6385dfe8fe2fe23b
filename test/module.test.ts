// nn.Module behaviour: registration, traversal, modes, dtype/device moves, state dicts with PyTorch's keys,
// containers, init, and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { models, nn, torch, type Tensor } from '../src/index.js';
import { gc } from './helpers.js';

class Block extends nn.Module {
  readonly conv = this.registerModule('conv', new nn.Conv2d(2, 4, 3, { padding: 1 }));
  readonly bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  forward(x: Tensor): Tensor {
    return this.bn.call(this.conv.call(x)).relu();
  }
}
class Net extends nn.Module {
  readonly block = this.registerModule('block', new Block());
  readonly layers = this.registerModule('layers', new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(4 * 3 * 3, 5)));
  readonly scale = this.registerParameter('scale', torch.ones([1]));
  forward(x: Tensor): Tensor {
    return this.layers.call(this.block.call(x)).mul(this.scale);
  }
}

test('names, order and counts follow PyTorch', () => {
  const net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    ['scale', 'block.conv.weight', 'block.conv.bias', 'block.bn.weight', 'block.bn.bias', 'layers.2.weight', 'layers.2.bias'],
  );
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    ['block.bn.running_mean', 'block.bn.running_var', 'block.bn.num_batches_tracked'],
  );
  assert.deepEqual(Object.keys(net.stateDict()), [
    'scale',
    'block.conv.weight',
    'block.conv.bias',
    'block.bn.weight',
    'block.bn.bias',
    'block.bn.running_mean',
    'block.bn.running_var',
    'block.bn.num_batches_tracked',
    'layers.2.weight',
    'layers.2.bias',
  ]);
  assert.deepEqual(
    net.namedModules().map(([n]) => n),
    ['', 'block', 'block.conv', 'block.bn', 'layers', 'layers.0', 'layers.1', 'layers.2'],
  );
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ['block', 'layers'],
  );
  assert.equal(
    net.parameters().reduce((s, p) => s + p.numel(), 0),
    1 + (4 * 2 * 9 + 4) + 8 + (36 * 5 + 5),
  );
  net.dispose();
});

test('a parameter shared by two modules is listed once', () => {
  const a = new nn.Linear(3, 3);
  const seq = new nn.Sequential(a, new nn.ReLU(), a);
  assert.equal(seq.parameters().length, 2);
  assert.deepEqual(
    seq.namedParameters().map(([n]) => n),
    ['0.weight', '0.bias'],
  );
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
    net
      .call(torch.randn([2, 2, 3, 3]))
      .sum()
      .backward();
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
    a.call(torch.randn([4, 2, 3, 3])); // moves the running statistics
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
    assert.throws(
      () => lin.loadStateDict({ weight: torch.zeros([2, 3]), bias: torch.zeros([2]), extra: torch.zeros([1]) }),
      /unexpected keys 'extra'/,
    );
    assert.throws(
      () => lin.loadStateDict({ weight: torch.zeros([3, 3]), bias: torch.zeros([2]) }),
      /shape mismatch for 'weight': checkpoint \[3, 3\], model \[2, 3\]/,
    );
    const r = lin.loadStateDict({ weight: torch.ones([2, 3]), extra: torch.zeros([1]) }, { strict: false });
    assert.deepEqual(r, { missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    assert.equal(lin.weight.sum().item(), 6);
    lin.dispose();
  });
});

test('registration guards: duplicate names, dotted names, non-leaf parameters', () => {
  class Bad extends nn.Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const m = new Bad();
  m.registerParameter('w', torch.zeros([1]));
  assert.throws(() => m.registerParameter('w', torch.zeros([1])), /Module.registerParameter: .* for name, got 'w', which is already registered/);
  assert.throws(
    () => m.registerModule('a.b', new nn.ReLU()),
    /Module.registerModule: expected a non-empty member name without '.' for name, got "a.b"/,
  );
  const leaf = torch.ones([1], { requiresGrad: true });
  assert.throws(() => m.registerParameter('v', leaf.mul(2)), /Module.registerParameter: expected a leaf tensor/);
  // as PyTorch's: integer tensors cannot require gradients, so they cannot be parameters
  assert.throws(
    () => m.registerParameter('i', torch.zeros([1], { dtype: 'int64' })),
    /expected a floating-point tensor for param, got a tensor int64\[1\]/,
  );
  assert.throws(() => m.loadStateDict(null as never), /Module.loadStateDict: expected a record of tensors by key .* for dict, got null/);
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
  assert.throws(() => seq.at(5), /Sequential.at: expected an index within 2 layers \(from -2 to 1\) for index, got 5/);
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
  assert.deepEqual(
    list.namedParameters().map(([n]) => n),
    ['0.weight', '0.bias', '1.weight', '1.bias'],
  );
  assert.equal([...list].length, 2);
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  const dict = new nn.ModuleDict({ enc: new nn.Linear(2, 2), dec: new nn.Linear(2, 2) });
  assert.deepEqual(dict.keys(), ['enc', 'dec']);
  assert.ok(dict.get('dec') instanceof nn.Linear);
  assert.throws(() => dict.get('nope'), /ModuleDict.get: expected one of the names 'enc', 'dec' for key, got "nope"/);
  assert.equal(
    String(dict),
    'ModuleDict(\n  (enc): Linear(in_features=2, out_features=2, bias=True)\n  (dec): Linear(in_features=2, out_features=2, bias=True)\n)',
  );
  for (const m of [seq, list, dict]) m.dispose();
});

test('layer arguments are checked', () => {
  const live = torch.memory().liveTensors;
  assert.throws(() => new nn.Linear(-1, 3), { name: 'ArgumentError', message: 'nn.Linear: expected an integer >= 0 for inFeatures, got -1' });
  assert.throws(() => new nn.Conv2d(3, 4, 0), {
    name: 'ArgumentError',
    message: 'nn.Conv2d: expected a positive integer or an array of 2 such integers for kernelSize, got 0',
  });
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /nn.Conv2d: expected a divisor of inChannels \(3\) for groups, got 2/);
  assert.throws(() => new nn.Conv2d(2, 4, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided/);
  assert.throws(
    () => new nn.Conv2d(2, 4, 3, { strides: 2 } as never),
    /nn.Conv2d: expected one of the options stride, .* for options.strides, got "strides"/,
  );
  assert.throws(() => new nn.GroupNorm(3, 4), /nn.GroupNorm: expected a divisor of numChannels \(4\) for numGroups, got 3/);
  assert.throws(
    () => new nn.Embedding(5, 2, { paddingIdx: 5 }),
    /nn.Embedding: expected an integer within numEmbeddings \(5\), from -5 to 4 for paddingIdx, got 5/,
  );
  assert.throws(() => new nn.Dropout(2), /nn.Dropout: expected a finite number >= 0 and <= 1 for p, got 2/);
  assert.throws(() => new nn.Dropout(true as never), /nn.Dropout: .* for p, got true/);
  assert.throws(() => new nn.BatchNorm1d(3, { momentum: NaN }), /nn.BatchNorm1d: .* for momentum, got NaN/);
  assert.throws(
    () => new nn.CrossEntropyLoss({ reduction: 'avg' as never }),
    /nn.CrossEntropyLoss: expected one of 'mean', 'sum', 'none' for reduction, got "avg"/,
  );
  // too large for memory: refused before any allocation, naming the layer (issue 8: the error named 'empty')
  assert.throws(() => new nn.Linear(1e12, 2), /nn.Linear: expected sizes that fit in this machine's memory for weight, got 2.000e\+12 elements/);
  // a device that is not one, or that this machine lacks: an ArgumentError naming the layer and device, checked
  // before anything is made (issue 8: a TorchError naming libtorch's 'empty')
  const missing = `cuda:${torch.cuda.deviceCount()}`;
  const noDevice = (fn: string) => ({ name: 'ArgumentError', message: new RegExp(`^${fn}: expected 'cpu'.* for device, got "${missing}"$`) });
  assert.throws(() => new nn.Linear(2, 2, { device: 'abc' }), {
    name: 'ArgumentError',
    message: `nn.Linear: expected a device such as 'cpu', 'cuda' or 'cuda:0' for device, got "abc"`,
  });
  assert.throws(() => new nn.Linear(2, 2, { device: missing }), noDevice('nn\\.Linear'));
  assert.throws(() => new nn.BatchNorm1d(2, { device: missing }), noDevice('nn\\.BatchNorm1d'));
  assert.throws(() => new nn.LSTM(2, 2, { device: missing }), noDevice('nn\\.LSTM'));
  if (torch.cuda.deviceCount() === 0) {
    assert.throws(() => new nn.Conv2d(2, 2, 3, { device: 'cuda' }), {
      name: 'ArgumentError',
      message: `nn.Conv2d: expected 'cpu' (no CUDA device is available) for device, got "cuda"`,
    });
  }
  const moved = new nn.Linear(2, 2);
  assert.throws(() => moved.to(missing), noDevice('Module\\.to'));
  assert.throws(() => moved.to({ device: missing }), noDevice('Module\\.to'));
  assert.throws(() => moved.to('abc'), {
    name: 'ArgumentError',
    message: `Module.to: expected a device such as 'cpu', 'cuda' or 'cuda:0' for device, got "abc"`,
  });
  assert.equal(moved.weight.device, 'cpu', 'a refused move leaves the module where it was');
  moved.dispose();
  assert.equal(torch.memory().liveTensors, live, 'refused constructors leave nothing behind');
  torch.tidy(() => {
    const bn = new nn.BatchNorm2d(3);
    assert.throws(() => bn.call(torch.ones([2, 3])), /nn.BatchNorm2d: expected a 4-d \(N, C, H, W\) tensor for input, got a tensor float32\[2, 3\]/);
    const lin = new nn.Linear(3, 2);
    // libtorch's own failure stays a TorchError, prefixed with the layer that was called
    assert.throws(() => lin.call(torch.ones([2, 4])), { name: 'TorchError', message: /^Linear: linear\(.*cannot be multiplied/ });
    const seq = new nn.Sequential(new nn.ReLU(), lin);
    assert.throws(() => seq.call(torch.ones([2, 4])), { name: 'TorchError', message: /^Sequential.1 \(Linear\): linear\(.*cannot be multiplied/ });
    bn.dispose();
    lin.dispose();
  });
});

test('zero features and channels are accepted where PyTorch accepts them; zero kernels, heads, groups are not', () => {
  const live = torch.memory().liveTensors;
  const made: nn.Module[] = [];
  // layers keep their parameters past a scope: each is disposed at the end
  const keep = <M extends nn.Module>(m: M): M => {
    made.push(m);
    return m;
  };
  torch.tidy(() => {
    // as PyTorch (checked with torch 2): a layer with no inputs has an empty weight and a zero bias
    const lin = keep(new nn.Linear(0, 3));
    assert.deepEqual(lin.weight.shape, [3, 0]);
    assert.deepEqual(lin.bias!.toArray(), [0, 0, 0]);
    assert.deepEqual(lin.call(torch.ones([2, 0])).toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.deepEqual(keep(new nn.Linear(3, 0)).call(torch.ones([2, 3])).shape, [2, 0]);
    assert.deepEqual(keep(new nn.Bilinear(2, 0, 0)).weight.shape, [0, 2, 0]);
    const conv = keep(new nn.Conv2d(0, 4, 3));
    assert.deepEqual(conv.weight.shape, [4, 0, 3, 3]);
    assert.deepEqual(conv.bias!.toArray(), [0, 0, 0, 0], 'no fan-in: a zero bias, not uninitialized memory');
    assert.deepEqual(keep(new nn.Conv2d(4, 0, 3)).weight.shape, [0, 4, 3, 3]);
    assert.deepEqual(keep(new nn.ConvTranspose2d(0, 4, 3)).weight.shape, [0, 4, 3, 3]);
    assert.deepEqual(keep(new nn.BatchNorm1d(0)).runningMean!.shape, [0]);
    assert.deepEqual(keep(new nn.LayerNorm(0)).call(torch.ones([2, 0])).shape, [2, 0]);
    assert.deepEqual(keep(new nn.LayerNorm([2, 0])).weight!.shape, [2, 0]);
    assert.deepEqual(keep(new nn.GroupNorm(1, 0)).call(torch.ones([2, 0, 3])).shape, [2, 0, 3]);
    assert.deepEqual(keep(new nn.Embedding(0, 2)).weight.shape, [0, 2]);
    assert.deepEqual(keep(new nn.Embedding(2, 0)).call(torch.tensor([1n])).shape, [1, 0]);
    assert.deepEqual(keep(new nn.EmbeddingBag(0, 2)).weight.shape, [0, 2]);
    const [out] = keep(new nn.LSTM(0, 2)).call(torch.ones([3, 1, 0])) as unknown as [Tensor];
    assert.deepEqual(out.shape, [3, 1, 2]);
    assert.deepEqual(keep(new nn.TransformerEncoderLayer(4, 1, { dimFeedforward: 0 })).call(torch.ones([2, 1, 4])).shape, [2, 1, 4]);
    assert.deepEqual(keep(new nn.AdaptiveAvgPool2d(0)).call(torch.ones([1, 2, 4, 4])).shape, [1, 2, 0, 0]);
    assert.deepEqual(keep(new nn.AdaptiveMaxPool2d([0, 1])).call(torch.ones([1, 2, 4, 4])).shape, [1, 2, 0, 1]);
  });
  for (const m of made) m.dispose();
  // PyTorch refuses these too (a division by zero, or "groups must be a positive integer")
  const refused: [() => unknown, RegExp][] = [
    [() => new nn.Bilinear(0, 2, 3), /^nn\.Bilinear: expected an integer >= 1 for in1Features, got 0$/],
    [() => new nn.Conv2d(4, 4, 3, { groups: 0 }), /^nn\.Conv2d: expected an integer >= 1 for groups, got 0$/],
    [() => new nn.Conv2d(4, 4, 0), /^nn\.Conv2d: expected a positive integer or an array of 2 such integers for kernelSize, got 0$/],
    [() => new nn.Conv2d(4, 4, 1, { stride: 0 }), /^nn\.Conv2d: .* for stride, got 0$/],
    [() => new nn.GroupNorm(0, 0), /^nn\.GroupNorm: expected an integer >= 1 for numGroups, got 0$/],
    [() => new nn.LSTM(2, 0), /^nn\.LSTM: expected an integer >= 1 for hiddenSize, got 0$/],
    [() => new nn.GRU(2, 2, { numLayers: 0 }), /^nn\.GRU: expected an integer >= 1 for numLayers, got 0$/],
    [() => new nn.MultiheadAttention(0, 1), /^nn\.MultiheadAttention: expected an integer >= 1 for embedDim, got 0$/],
    [() => new nn.MultiheadAttention(4, 0), /^nn\.MultiheadAttention: expected an integer >= 1 for numHeads, got 0$/],
    [() => new nn.TransformerEncoderLayer(0, 1), /^nn\.TransformerEncoderLayer: expected an integer >= 1 for dModel, got 0$/],
    [() => new nn.TransformerEncoderLayer(4, 0), /^nn\.TransformerEncoderLayer: expected an integer >= 1 for nhead, got 0$/],
    [() => new nn.BatchNorm1d(-1), /^nn\.BatchNorm1d: expected an integer >= 0 for numFeatures, got -1$/],
    [
      () => new nn.AdaptiveAvgPool2d(-1),
      /^nn\.AdaptiveAvgPool2d: expected a non-negative integer or an array of 2 such integers for outputSize, got -1$/,
    ],
  ];
  for (const [f, message] of refused) assert.throws(f, { name: 'ArgumentError', message });
  assert.equal(torch.memory().liveTensors, live);
});

test('models: bad arguments name the model; a model too large for memory frees the layers already made', () => {
  const live = torch.memory().liveTensors;
  assert.throws(() => models.mlp({ nIn: 4, nOut: 0 }), { name: 'ArgumentError', message: 'models.mlp: expected an integer >= 1 for nOut, got 0' });
  assert.throws(
    () => models.mlp({ nIn: 4, nOut: 2, hiden: [8] } as never),
    /models.mlp: expected one of the options nIn, nOut, hidden for args.hiden/,
  );
  assert.throws(
    () => models.createModel('mlp', { nIn: 10n as never, nOut: 2 }),
    /models.createModel: expected plain JSON values .* for args.nIn, got 10n \(a BigInt\)/,
  );
  // the first layers fit, the head does not: refused naming the model and the layer, nothing left behind
  assert.throws(
    () => models.createModel('mlp', { nIn: 4, nOut: 1e12, hidden: [8] }),
    /models.createModel\('mlp'\): models.mlp: nn.Linear: expected sizes that fit in this machine's memory for weight/,
  );
  assert.throws(
    () => new models.TabularModel({ cardinalities: [3], nCont: 1, layers: [4, 1e12] }),
    /models.TabularModel: nn.Linear: expected sizes that fit/,
  );
  assert.throws(() => models.createModel('nope'), /models.createModel: expected a registered model \(registered: .*mlp.*\) for name, got "nope"/);
  assert.throws(
    () => models.registerModel('mlp', () => new nn.ReLU()),
    /models.registerModel: .* got 'mlp', which a different factory is already registered as/,
  );
  assert.equal(torch.memory().liveTensors, live);
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
  const step = () =>
    torch.tidy(() => {
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of model.parameters()) p.sub_(p.grad!, 0.1);
      });
      model.zeroGrad();
      return loss.item();
    });
  const first = step();
  gc(); // earlier tests' unreferenced wrappers (stateDict() views...) go now, not in the middle of the count
  const live = torch.memory().liveTensors;
  let last = first;
  for (let k = 0; k < 300; k++) last = step();
  gc();
  assert.equal(torch.memory().liveTensors, live);
  assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  model.dispose();
  torch.dispose([x, y]);
});

test('forward hooks: pre-hooks replace inputs, hooks see inputs and output and may replace it, in order; remove() stops them', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  const seq = new nn.Sequential(lin, new nn.ReLU());
  const x = torch.randn([4, 3]);
  const log: string[] = [];
  const pre = lin.registerForwardPreHook((m, inputs) => {
    log.push(`pre ${m === lin} ${(inputs[0] as Tensor).shape.join('x')}`);
    return [(inputs[0] as Tensor).mul(2)];
  });
  const seen: Tensor[] = [];
  const h1 = lin.registerForwardHook((_m, inputs, out) => {
    log.push(`h1 ${(inputs[0] as Tensor).shape.join('x')} -> ${(out as Tensor).shape.join('x')}`);
    seen.push((out as Tensor).detach().keep());
  });
  const h2 = lin.registerForwardHook((_m, _inputs, out) => {
    log.push('h2');
    return (out as Tensor).neg();
  });
  torch.tidy(() => {
    const y = seq.call(x);
    // as PyTorch: relu(-(linear(2x))), the hooks in registration order, the first hook seeing linear(2x)
    const want = lin.forward(x.mul(2));
    assert.ok(seen[0]!.equal(want), 'the forward hook saw the output of forward on the replaced input');
    assert.ok(y.equal(want.neg().relu()), 'the second hook replaced the output');
  });
  assert.deepEqual(log, ['pre true 4x3', 'h1 4x3 -> 4x2', 'h2']);
  // remove(): idempotent; the module runs as before
  pre.remove();
  h2.remove();
  h2.remove();
  log.length = 0;
  torch.tidy(() => assert.ok(seq.call(x).equal(lin.forward(x).relu())));
  assert.deepEqual(log, ['h1 4x3 -> 4x2']);
  // a hook removing itself while the hooks run
  const once = lin.registerForwardHook(() => {
    log.push('once');
    once.remove();
  });
  torch.tidy(() => {
    seq.call(x);
    seq.call(x);
  });
  assert.deepEqual(log, ['h1 4x3 -> 4x2', 'h1 4x3 -> 4x2', 'once', 'h1 4x3 -> 4x2']);
  h1.remove();
  assert.throws(() => lin.registerForwardHook(5 as never), /^ArgumentError: Module\.registerForwardHook: expected a function for hook, got 5$/m);
  torch.dispose([seen, x]);
  seq.dispose();
});

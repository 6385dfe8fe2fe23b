// visionLearner and createHead against fastai's structure (create_head's layers and state-dict keys, written out
// from fastai's source), the body cut, the parameter groups, pretrained weights loaded before the cut and the body
// frozen with its BatchNorm layers still training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, loadLearner, models, nn, torch, type Tensor } from '../src/index.js';
import { createBody, createHead, visionLearner } from '../src/vision/learner.js';

test("createHead(64, 10) is fastai's head: concat pool, flatten, BN-dropout-linear-ReLU, BN-dropout-linear", () => {
  const head = createHead(64, 10);
  const types = head.children().map((m) => m.constructor.name);
  assert.deepEqual(types, ['AdaptiveConcatPool2d', 'Flatten', 'BatchNorm1d', 'Dropout', 'Linear', 'ReLU', 'BatchNorm1d', 'Dropout', 'Linear']);
  // fastai: ps=0.5 -> [0.25, 0.5]; linear layers after a BatchNorm have no bias
  const drops = head
    .children()
    .filter((m): m is nn.Dropout => m instanceof nn.Dropout)
    .map((d) => d.p);
  assert.deepEqual(drops, [0.25, 0.5]);
  assert.deepEqual(
    Object.keys(head.stateDict()).filter((k) => !k.endsWith('num_batches_tracked')),
    ['2.weight', '2.bias', '2.running_mean', '2.running_var', '4.weight', '6.weight', '6.bias', '6.running_mean', '6.running_var', '8.weight'],
  );
  assert.deepEqual((head.children()[4] as nn.Linear).weight.shape, [512, 128]);
  // one output for a [2, 64, 3, 3] feature map
  torch.tidy(() => {
    head.eval();
    assert.deepEqual((head.call(torch.randn([2, 64, 3, 3])) as Tensor).shape, [2, 10]);
  });
  const plain = createHead(8, 3, { concatPool: false, linFtrs: [], ps: 0, firstBn: false, yRange: [0, 5] });
  assert.deepEqual(
    plain.children().map((m) => m.constructor.name),
    ['AdaptiveAvgPool2d', 'Flatten', 'Linear', 'SigmoidRange'],
  );
  assert.throws(() => createHead(8, 3, { ps: [0.1], linFtrs: [4] }), /vision.createHead: expected 2 dropout probabilities for opts.ps/);
});

/** A small CNN shaped like a torchvision classifier: stem, stages, pooling, fc. */
class Tiny extends nn.Module {
  readonly conv1 = this.registerModule('conv1', new nn.Conv2d(3, 8, 3, { padding: 1 }));
  readonly bn1 = this.registerModule('bn1', new nn.BatchNorm2d(8));
  readonly relu = this.registerModule('relu', new nn.ReLU());
  readonly layer1 = this.registerModule('layer1', new nn.Conv2d(8, 16, 3, { padding: 1, stride: 2 }));
  readonly avgpool = this.registerModule('avgpool', new nn.AdaptiveAvgPool2d(1));
  readonly fc = this.registerModule('fc', new nn.Linear(16, 5));
  forward(x: Tensor): Tensor {
    let y = this.layer1.call(this.relu.call(this.bn1.call(this.conv1.call(x)))) as Tensor;
    y = (this.avgpool.call(y) as Tensor).flatten(1);
    return this.fc.call(y) as Tensor;
  }
}

function imageLoaders(): data.DataLoaders {
  torch.manualSeed(0);
  const x = torch.rand([32, 3, 12, 12]);
  const y = torch.randint(0, 4, [32]);
  const dls = data.DataLoaders.fromTensors(x, y, x.narrow(0, 0, 8), y.narrow(0, 0, 8), { batchSize: 8 });
  dls.preprocessing = {
    kind: 'image',
    divisor: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    statsShape: [3, 1, 1],
    itemShape: [3, 12, 12],
    vocab: ['a', 'b', 'c', 'd'],
  };
  return dls;
}

test('visionLearner: body cut before the pooling, a new head sized from the body and the vocabulary, body and head groups', async () => {
  const learn = visionLearner(imageLoaders(), () => new Tiny());
  const [body, head] = learn.model.children() as [nn.Sequential, nn.Sequential];
  assert.deepEqual(
    body.children().map((m) => m.constructor.name),
    ['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d'],
  );
  // 16 body channels, concat pooled: 32 features in; 4 classes out
  assert.deepEqual((head.children()[4] as nn.Linear).weight.shape, [512, 32]);
  assert.deepEqual((head.children()[8] as nn.Linear).weight.shape, [4, 512]);
  learn.createOpt();
  assert.equal(learn.opt!.paramGroups.length, 2, 'body, head');
  await learn.noLogging(() => learn.noBar(() => learn.fit(1)));
  assert.ok(Number.isFinite(learn.recorder!.values[0]![0] as number));
  assert.throws(() => createBody(new Tiny(), 0), /vision.createBody: expected an index that leaves some of the model's 6 children for cut/);
});

test('visionLearner with pretrained weights: loaded before the cut, the body frozen, its BatchNorm still training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-vl-'));
  torch.manualSeed(7);
  const source = new Tiny();
  const file = join(dir, 'tiny.safetensors');
  torch.save(source.stateDict(), file);
  const learn = visionLearner(imageLoaders(), () => new Tiny(), { pretrained: file });
  const body = (learn.model.children()[0] as nn.Sequential).stateDict();
  assert.ok(body['0.weight']!.equal(source.stateDict()['conv1.weight']!), 'the stem conv holds the pretrained weights');
  const before = Object.fromEntries(Object.entries(body).map(([k, t]) => [k, t.clone().keep()]));
  await learn.noLogging(() => learn.noBar(() => learn.fit(1, 1e-2)));
  const after = (learn.model.children()[0] as nn.Sequential).stateDict();
  assert.ok(after['0.weight']!.equal(before['0.weight']!), 'frozen conv weights do not move');
  assert.ok(!after['1.weight']!.equal(before['1.weight']!), "BatchNorm's affine parameters train (fastai's train_bn)");
  assert.ok(!after['1.running_mean']!.equal(before['1.running_mean']!), 'BatchNorm running statistics update');
  torch.dispose(before);
  assert.throws(
    () => visionLearner(imageLoaders(), () => new Tiny(), { pretrained: join(dir, 'missing.safetensors') }),
    /vision.visionLearner: .*missing\.safetensors/,
  );
});

test("visionLearner('resnet18'): torchvision's body before avgpool, a 1024-feature head, fastai's three groups", () => {
  const learn = visionLearner(imageLoaders(), 'resnet18');
  const [body, head] = learn.model.children() as [nn.Sequential, nn.Sequential];
  assert.deepEqual(
    body.children().map((m) => m.constructor.name),
    ['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d', 'Sequential', 'Sequential', 'Sequential', 'Sequential'],
  );
  assert.deepEqual((head.children()[4] as nn.Linear).weight.shape, [512, 1024]);
  learn.createOpt();
  // fastai's _resnet_split: the stem and layer1-2, layer3-4, the head
  assert.equal(learn.opt!.paramGroups.length, 3);
  torch.tidy(() => {
    learn.model.eval();
    assert.deepEqual((learn.model.call(torch.rand([2, 3, 64, 64])) as Tensor).shape, [2, 4]);
  });
});

test('a vision Learner exports and loads in a fresh Learner with the same predictions (the registry rebuilds it)', async () => {
  models.registerModel('tinyVisionArch', () => new Tiny());
  const dir = mkdtempSync(join(tmpdir(), 'flint-vl-export-'));
  const learn = visionLearner(imageLoaders(), 'tinyVisionArch', { linFtrs: [16] });
  await learn.noLogging(() => learn.noBar(() => learn.fit(1)));
  const file = learn.export(join(dir, 'export.safetensors'));
  const back = loadLearner(file);
  torch.tidy(() => {
    const x = torch.rand([3, 3, 12, 12]);
    learn.model.eval();
    assert.ok((back.model.call(x) as Tensor).allclose(learn.model.call(x) as Tensor, 1e-5, 1e-6));
  });
  assert.deepEqual(back.dls.preprocessing?.vocab, ['a', 'b', 'c', 'd']);
});

// learn.export / loadLearner: the model registry, loss specs, and an export loaded in a child process predicting
// exactly what the trained learner predicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, data, loadLearner, metrics, models, nn, tabular, torch, type Tensor } from '../src/index.js';
import { writeTableCsv } from './tables.js';

test('the model registry builds registered models, remembers how, and names its mistakes', () => {
  const m = models.createModel('mlp', { nIn: 4, nOut: 2, hidden: [8] });
  assert.deepEqual(models.modelSpec(m), { name: 'mlp', args: { nIn: 4, nOut: 2, hidden: [8] } });
  assert.equal(models.modelSpec(new nn.Linear(2, 2)), undefined);
  assert.deepEqual(
    models.registeredModels().filter((n) => ['mlp', 'simpleCnn', 'tabular'].includes(n)),
    ['mlp', 'simpleCnn', 'tabular'],
  );
  assert.throws(
    () => models.createModel('resnet9'),
    /models\.createModel: expected a registered model \(registered: .*mlp.*; import the module that calls registerModel for it first\) for name, got "resnet9"/,
  );
  assert.throws(
    () => models.createModel('mlp', { nIn: 4, nOut: 2, f: () => 1 }),
    /models\.createModel: expected plain JSON values in the arguments .* for args\.f, got a function f/,
  );
  assert.throws(() => models.createModel('mlp', { nIn: 0, nOut: 2 }), /models\.mlp: expected an integer >= 1 for nIn, got 0/);
  assert.throws(
    () => models.registerModel('mlp', () => new nn.Linear(1, 1)),
    /models\.registerModel: .*a different factory is already registered as/,
  );
  m.dispose();
});

test("TabularModel: fastai's embedding sizes, layer layout, state-dict keys and input check", () => {
  // emb_sz_rule by hand: round(1.6 * n ** 0.56), at most 600
  assert.deepEqual([2, 4, 10, 100, 1e6].map(models.embSzRule), [2, 3, 6, 21, 600]);
  const m = new models.TabularModel({ cardinalities: [4, 10], nCont: 3, nOut: 2, layers: [16, 8] });
  // fastai's names: embeds.i, bn_cont, layers.i.0 (Linear) and layers.i.2 (BatchNorm) of LinBnDrop blocks
  assert.deepEqual(
    m.namedParameters().map(([k, p]) => `${k} [${p.shape.join(', ')}]`),
    [
      'embeds.0.weight [4, 3]',
      'embeds.1.weight [10, 6]',
      'bn_cont.weight [3]',
      'bn_cont.bias [3]',
      'layers.0.0.weight [16, 12]',
      'layers.0.2.weight [16]',
      'layers.0.2.bias [16]',
      'layers.1.0.weight [8, 16]',
      'layers.1.2.weight [8]',
      'layers.1.2.bias [8]',
      'layers.2.0.weight [2, 8]',
      'layers.2.0.bias [2]',
    ],
  );
  assert.ok(Object.keys(m.stateDict()).includes('bn_cont.running_mean'));
  torch.tidy(() => {
    // two inputs: the category codes (int64 [N, nCat]) and the continuous columns (float [N, nCont])
    const xCat = torch.cat([torch.randint(0, 4, [5, 1], { dtype: 'int64' }), torch.randint(0, 10, [5, 1], { dtype: 'int64' })], 1);
    assert.deepEqual(m.call(xCat, torch.randn([5, 3])).shape, [5, 2]);
    assert.throws(
      () => m.call(torch.randn([5, 5])),
      /models\.TabularModel: expected integer category codes \[N, 2\] for xCat, got a tensor float32\[5, 5\]/,
    );
    assert.throws(
      () => m.call(xCat, torch.randn([5, 4])),
      /models\.TabularModel: expected floating-point continuous columns \[5, 3\] for xCont, got a tensor float32\[5, 4\]/,
    );
    assert.throws(() => m.call(xCat), /models\.TabularModel: expected a tensor for xCont, got undefined/);
    // no categorical column: the codes are [N, 0]
    const r = new models.TabularModel({ nCont: 2, nOut: 1, layers: [4], yRange: [10, 20] });
    const y = r.call(torch.zeros([50, 0], { dtype: 'int64' }), torch.randn([50, 2]).mul(100));
    assert.ok(y.min().item() >= 10 && y.max().item() <= 20, 'outputs inside yRange');
    r.dispose();
  });
  m.dispose();
});

test('loss specs rebuild the loss with its options and class weights', () => {
  torch.tidy(() => {
    const w = torch.tensor([1, 2, 0.5]);
    const loss = new nn.CrossEntropyLossFlat({ labelSmoothing: 0.1, weight: w, reduction: 'sum' });
    const { spec, tensors } = nn.lossSpec(loss)!;
    assert.deepEqual(spec, {
      name: 'CrossEntropyLossFlat',
      options: { axis: -1, flatten: true, floatify: false, reduction: 'sum', ignoreIndex: -100, labelSmoothing: 0.1 },
    });
    const back = nn.lossFromSpec(spec, tensors) as nn.CrossEntropyLossFlat;
    const p = torch.randn([6, 3]);
    const t = torch.tensor([0, 1, 2, 2, 1, 0], { dtype: 'int64' });
    assert.equal(back.call(p, t).item(), loss.call(p, t).item());
    assert.equal(
      nn.lossSpec((a: unknown) => a),
      null,
    );
    const bce = nn.lossFromSpec(nn.lossSpec(new nn.BCEWithLogitsLossFlat({ thresh: 0.3 }))!.spec) as nn.BCEWithLogitsLossFlat;
    assert.equal(bce.thresh, 0.3);
  });
});

test('an export loaded in a fresh process predicts exactly what the trained learner predicts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-export-'));
  const csv = join(dir, 'table.csv');
  writeTableCsv(csv, 300);
  torch.manualSeed(0);
  const dls = tabular.TabularDataLoaders.fromCsv(csv, { yNames: 'label', ignore: ['id', 'price'], batchSize: 32, log: false });
  const prep = dls.preprocessing as data.TabularPreprocessing;
  assert.deepEqual(
    [prep.catNames, prep.contNames, prep.yNames, prep.yBlock, prep.vocab, prep.procs.map((p) => p.name)],
    [['color'], ['age', 'score'], ['label'], 'category', ['no', 'yes'], ['FillMissing', 'Categorify', 'Normalize']],
  );
  assert.deepEqual(dls.classes.color, ['#na#', 'blue', 'green', 'red']);
  const norm = dls.procs.find((p): p is tabular.Normalize => p instanceof tabular.Normalize)!;
  const model = models.createModel('tabular', { cardinalities: dls.cardinalities, nCont: 2, nOut: 2, layers: [16] });
  const learn = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()], path: dir });
  learn.logger = () => {};
  await learn.noBar(() => learn.fitOneCycle(3, 1e-2));
  const file = learn.export();
  assert.equal(file, join(dir, 'export.safetensors'));
  const { preds, decoded } = await learn.getPreds({ withDecoded: true });
  const child = `
    import { loadLearner } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const learn = loadLearner(process.argv[1]);
    const dl = learn.dls.testDl(process.argv[2], { batchSize: 7 });
    const { preds, decoded } = await learn.getPreds({ dl, withDecoded: true });
    console.log(JSON.stringify({ preds: preds.toArray(), decoded: decoded.toArray(), loss: learn.lossFunc.constructor.name }));`;
  // the validation rows, back to CSV (codes to categories, continuous values un-normalized), as a user's new data would come
  const validCsv = join(dir, 'valid.csv');
  const [xc, xn] = (dls.valid.dataset as data.TensorDataset).tensors as [Tensor, Tensor];
  const conts = xn.toArray() as number[][];
  const rows = (xc.toArray() as number[][]).map((r, i) => {
    const color = r[0]! === 0 ? '' : dls.classes.color![r[0]!]!;
    return [color, ...conts[i]!.map((v, j) => (v * norm.stds[prep.contNames[j]!]! + norm.means[prep.contNames[j]!]!).toString())].join(',');
  });
  (await import('node:fs')).writeFileSync(validCsv, `color,age,score\n${rows.join('\n')}\n`);
  const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child, file, validCsv], { encoding: 'utf8' })) as {
    preds: number[][];
    decoded: number[];
    loss: string;
  };
  assert.equal(got.loss, 'CrossEntropyLossFlat');
  assert.deepEqual(got.decoded, decoded!.toArray());
  // the continuous values went through text and back: equal to float32 rounding, not bit for bit
  const diff = torch.tidy(() => torch.tensor(got.preds).sub(preds).abs().max().item());
  assert.ok(diff < 1e-5, `max |diff| ${diff}`);
  // straight from the same tensors, the loaded model is bit-identical
  const loaded = loadLearner(file);
  torch.tidy(() => {
    loaded.model.eval();
    learn.model.eval();
    assert.ok(loaded.model.call(xc, xn).equal(learn.model.call(xc, xn)));
  });
  torch.dispose([preds, decoded!]);
});

test('export and loadLearner name their mistakes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-export-'));
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 2]), torch.randint(0, 2, [8]), torch.randn([8, 2]), torch.randint(0, 2, [8]));
  const plain = new Learner(dls, new nn.Linear(2, 2), { lossFunc: new nn.CrossEntropyLoss(), path: dir });
  assert.throws(() => plain.export(), /export: the model was not made by nn.models.createModel\(name, args\)/);
  const ckpt = plain.save('ckpt');
  assert.throws(
    () => loadLearner(ckpt),
    /loadLearner: .*ckpt\.safetensors is not a Flint export \(format "flint-learner\/1", expected 'flint-export\/1'\)/,
  );
  assert.throws(() => loadLearner(join(dir, 'nope.safetensors')), /cannot read .*nope\.safetensors/);
});

test('getPreds under an identity activation (regression) returns live predictions and a separate decoded copy', async () => {
  torch.manualSeed(0);
  const x = torch.randn([12, 3]);
  const dls = data.DataLoaders.fromTensors(x, x.sum(1), x, x.sum(1), { batchSize: 4, shuffle: false });
  const learn = new Learner(dls, new nn.Linear(3, 1), { lossFunc: new nn.MSELossFlat() });
  const { preds, decoded } = await learn.getPreds({ withDecoded: true });
  assert.notEqual(preds, decoded);
  torch.tidy(() => assert.ok(preds.equal(decoded!) && preds.equal(learn.model.call(x)), "the model's outputs, twice"));
  torch.dispose([preds, decoded!]);
});

// ClassificationInterpretation against hand-computed values (a model that returns its input as logits, so every
// prediction is known), and its pictures: the confusion matrix and the top losses as an image grid, whose embedded
// PNGs are read back (zlib) and compared with the images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, data, nn, plot, torch } from '../src/index.js';
import { ClassificationInterpretation } from '../src/interpret/index.js';
import { gc } from './helpers.js';
import { embeddedPngs, readPng } from './png.js';

// logits per item; targets; argmax: [0, 1, 1, 2, 0, 0]
const LOGITS = [
  [2, 1, 0],
  [0, 3, 1],
  [0, 2, 0.5],
  [1, 0, 4],
  [3, 1, 2],
  [2, 0, 1],
];
const TARGS = [0, 0, 1, 2, 2, 1];

function identityLearner(vocab: string[] | null): Learner {
  const x = torch.tensor(LOGITS);
  const y = torch.tensor(TARGS, { dtype: 'int64' });
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 4, shuffle: false });
  if (vocab)
    dls.preprocessing = { kind: 'tabular', catNames: [], contNames: [], yNames: ['y'], yBlock: 'category', procs: [], vocab, withCont: true };
  return new Learner(dls, new nn.Identity(), { lossFunc: new nn.CrossEntropyLossFlat() });
}

test('confusionMatrix, mostConfused and topLosses equal the hand-computed values', async () => {
  const interp = await ClassificationInterpretation.fromLearner(identityLearner(['cat', 'dog', 'fox']));
  assert.deepEqual(interp.confusionMatrix(), [
    [1, 1, 0],
    [1, 1, 0],
    [1, 0, 1],
  ]);
  assert.deepEqual(interp.mostConfused(), [
    ['cat', 'dog', 1],
    ['dog', 'cat', 1],
    ['fox', 'cat', 1],
  ]);
  assert.deepEqual(interp.mostConfused(2), []);
  // cross entropy per item: logsumexp(row) - row[target]
  const ce = LOGITS.map((r, i) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0)) - r[TARGS[i]!]!);
  const order = ce.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const top = interp.topLosses(3);
  assert.deepEqual(
    top.indices,
    order.slice(0, 3).map(([, i]) => i),
  );
  top.losses.forEach((v, k) => assert.ok(Math.abs(v - order[k]![0]) < 1e-5));
  assert.deepEqual(
    interp.topLosses(2, false).indices,
    order
      .slice(-2)
      .reverse()
      .map(([, i]) => i),
  );
  assert.deepEqual(interp.vocab, ['cat', 'dog', 'fox']);
  const svg = interp.plotConfusionMatrix({ normalize: true });
  assert.match(svg, />0\.50</);
  assert.throws(() => interp.plotTopLosses(3), /ClassificationInterpretation.plotTopLosses: the inputs are .*not images/);
  interp.dispose();
  // without a vocabulary, classes are named by index
  const bare = await ClassificationInterpretation.fromLearner(identityLearner(null));
  assert.deepEqual(bare.mostConfused()[0], ['0', '1', 1]);
  bare.dispose();
});

test('plotTopLosses draws the worst items as images with their captions, red when wrong; the files render', async () => {
  torch.manualSeed(0);
  // images 1x4x4 in [0, 1]; a linear model with fixed weights classifies them
  const x = torch.rand([6, 1, 4, 4]);
  const y = torch.tensor([0, 1, 0, 1, 1, 0], { dtype: 'int64' });
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 3, shuffle: false });
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 2));
  const learn = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat() });
  const interp = await ClassificationInterpretation.fromLearner(learn);
  const { indices } = interp.topLosses(4);
  const dir = mkdtempSync(join(tmpdir(), 'flint-interp-'));
  const svg = interp.plotTopLosses(4, { file: join(dir, 'top') });
  const images = embeddedPngs(svg);
  assert.equal(images.length, 4);
  // each embedded image is the item's pixels (no normalisation to undo here: scaled to [0, 1] by its own range)
  images.forEach((img, k) => {
    assert.deepEqual([img.width, img.height, img.channels], [4, 4, 1]);
    const item = x.select(0, indices[k]!);
    const lo = item.min().item();
    const hi = item.max().item();
    const want = Array.from(item.flatten().toTypedArray() as Float32Array, (v) => Math.round(((v - lo) / (hi - lo)) * 255));
    assert.deepEqual([...img.pixels], want);
  });
  const decoded = Array.from(interp.decoded.toTypedArray() as BigInt64Array, Number);
  const wrong = indices.filter((i) => decoded[i] !== Number(y.select(0, i).item())).length;
  assert.equal((svg.match(/fill="#d62728"/g) ?? []).length, 2 * wrong, 'two caption lines per wrong prediction, in red');
  const png = readFileSync(join(dir, 'top.png'));
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2 * 144, 28 + 2 * (128 + 8 + 32 + 8)], 'a 2 x 2 grid of 128-pixel cells');
  interp.dispose();
  torch.dispose([x, y]);
});

test('plot.encodePng round-trips RGB pixels; the interpretation leaves nothing behind once disposed', async () => {
  const px = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]);
  assert.deepEqual([...readPng(plot.encodePng(px, 2, 2, 3)).pixels], [...px]);
  assert.throws(() => plot.encodePng(px, 3, 2, 3), /plot.encodePng: expected a Uint8Array of 3 x 2 x 3 bytes for pixels/);
  const learn = identityLearner(['a', 'b', 'c']);
  await learn.validate();
  gc();
  const base = torch.memory().liveTensors;
  const interp = await ClassificationInterpretation.fromLearner(learn);
  interp.confusionMatrix();
  interp.mostConfused();
  interp.topLosses();
  interp.dispose();
  gc();
  assert.equal(torch.memory().liveTensors, base);
});

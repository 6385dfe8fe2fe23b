// fastai's collaborative filtering on synthetic ratings with a known rank-3 structure
// (test/fixtures/collab/make_ratings.py): CollabDataLoaders' codes against the CSV, collabLearner's defaults
// (EmbeddingDotBias, 50 factors, yRange [0, 5.5], fastai's state-dict keys), training that explains most of the
// ratings' variance with either model, and an unknown user predicted through the '#na#' code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collab, collabLearner, type data, models, torch, type Tensor } from '../src/index.js';

const RATINGS = fileURLToPath(new URL('../../test/fixtures/collab/ratings.csv', import.meta.url));

/** The CSV's rows: [userId, movieId, rating]. */
function ratings(): [number, number, number][] {
  const [, ...lines] = readFileSync(RATINGS, 'utf8').trim().split('\n');
  return lines.map((l) => l.split(',').map(Number) as [number, number, number]);
}

function tensorsOf(dl: data.DataLoader<any>): Tensor[] {
  return (dl.dataset as data.TensorDataset).tensors;
}

function values(t: Tensor): number[] {
  return Array.from(t.contiguous().toTypedArray() as ArrayLike<number | bigint>, Number);
}

function variance(xs: number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
}

test('CollabDataLoaders.fromCsv: user and item codes from the first two columns, the rating from the third', () => {
  const dls = collab.CollabDataLoaders.fromCsv(RATINGS);
  assert.deepEqual([dls.catNames, dls.contNames, dls.yNames, dls.yBlock], [['userId', 'movieId'], [], ['rating'], 'regression']);
  assert.equal(dls.withCont, false);
  assert.equal(dls.nInp, 1);
  assert.deepEqual(dls.cardinalities, [201, 101]); // 200 users and 100 items, all in the training rows, and '#na#'
  // ids sorted as numbers ('#na#', '1', '2', ..., not '1', '10', '100')
  assert.deepEqual(dls.classes.userId, ['#na#', ...Array.from({ length: 200 }, (_, i) => String(i + 1))]);
  assert.deepEqual(dls.classes.movieId, ['#na#', ...Array.from({ length: 100 }, (_, i) => String(i + 1))]);

  // every rating once, its codes decoding to its user and item: train + valid = the CSV, 20% validating
  const [tx, ty] = tensorsOf(dls.train);
  const [vx, vy] = tensorsOf(dls.valid);
  assert.equal(tx!.dtype, 'int64');
  assert.equal(ty!.dtype, 'float32');
  assert.deepEqual(
    [[...tx!.shape], [...vx!.shape]],
    [
      [4800, 2],
      [1200, 2],
    ],
  );
  const want = new Map(ratings().map(([u, m, r]) => [`${u},${m}`, r]));
  const seen = new Set<string>();
  for (const [x, y] of [
    [tx!, ty!],
    [vx!, vy!],
  ] as const) {
    const codes = values(x);
    values(y).forEach((r, i) => {
      const key = `${dls.classes.userId![codes[2 * i]!]},${dls.classes.movieId![codes[2 * i + 1]!]}`;
      assert.ok(want.has(key), `row ${i}: ${key} is no rating of the CSV`);
      assert.equal(r, Math.fround(want.get(key)!), key);
      seen.add(key);
    });
  }
  assert.equal(seen.size, 6000);

  // named columns in another order: the same rows, the same codes
  const rows = ratings().map(([u, m, r]) => ({ stars: r, film: m, who: u }));
  const named = collab.CollabDataLoaders.fromRows(rows, { userName: 'who', itemName: 'film', ratingName: 'stars' });
  assert.deepEqual([named.catNames, named.yNames], [['who', 'film'], ['stars']]);
  tensorsOf(named.valid).forEach((t, i) => assert.ok(t.equal(tensorsOf(dls.valid)[i]!), `valid tensor ${i}`));
  tensorsOf(named.train).forEach((t, i) => assert.ok(t.equal(tensorsOf(dls.train)[i]!), `train tensor ${i}`));
});

test('collabLearner: EmbeddingDotBias (50 factors, yRange [0, 5.5]) explains most of the ratings; unknown users code 0', async () => {
  const t0 = performance.now();
  const dls = collab.CollabDataLoaders.fromCsv(RATINGS);
  torch.manualSeed(0);
  const learn = collabLearner(dls);
  learn.logger = () => {};
  const model = learn.model as models.EmbeddingDotBias;
  assert.ok(model instanceof models.EmbeddingDotBias);
  assert.deepEqual(model.yRange, [0, 5.5]); // the ratings lie in [0.5, 5]
  const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
  assert.deepEqual(shapes, {
    'u_weight.weight': [201, 50],
    'i_weight.weight': [101, 50],
    'u_bias.weight': [201, 1],
    'i_bias.weight': [101, 1],
  });
  await learn.noBar(() => learn.fitOneCycle(5, 5e-3, { wd: 0.1 }));
  const [mse] = await learn.validate();
  const v = variance(values(tensorsOf(dls.valid)[1]!));
  assert.ok(mse! < 0.5 * v, `validation MSE ${mse}, ratings' variance ${v}`);

  // an unknown user is the '#na#' row of the embeddings: sigmoid(u0 . i + bu0 + bi) * 5.5
  const item = dls.classes.movieId!.indexOf('5');
  const [x] = dls.encodeItem({ userId: 'nobody', movieId: 5 });
  assert.deepEqual(values(x!), [0, item]);
  x!.dispose();
  const p = learn.predict({ userId: 'nobody', movieId: 5 });
  const sd = model.stateDict();
  const want = torch.tidy(() => {
    const dot = sd['u_weight.weight']!.select(0, 0).mul(sd['i_weight.weight']!.select(0, item)).sum().item();
    const z = dot + sd['u_bias.weight']!.select(0, 0).item() + sd['i_bias.weight']!.select(0, item).item();
    return 5.5 / (1 + Math.exp(-z));
  });
  assert.equal(p.probs.numel(), 1);
  assert.ok(Math.abs(p.probs.item() - want) < 1e-5, `predicted ${p.probs.item()}, by hand ${want}`);
  assert.equal(p.label, null);
  torch.dispose([p.probs, p.decoded]);
  const ms = performance.now() - t0;
  assert.ok(ms < 20000, `${ms.toFixed(0)} ms`);
});

test('collabLearner useNN: EmbeddingNN over embeddings sized by the rule learns too', async () => {
  const dls = collab.CollabDataLoaders.fromCsv(RATINGS);
  torch.manualSeed(0);
  const learn = collabLearner(dls, { useNN: true, layers: [50] });
  learn.logger = () => {};
  assert.ok(learn.model instanceof models.EmbeddingNN);
  const sd = learn.model.stateDict();
  // min(600, round(1.6 * n ** 0.56)): 201 -> 31, 101 -> 21
  assert.deepEqual(
    [[...sd['embeds.0.weight']!.shape], [...sd['embeds.1.weight']!.shape]],
    [
      [201, 31],
      [101, 21],
    ],
  );
  assert.deepEqual([...sd['layers.0.0.weight']!.shape], [50, 52]);
  assert.deepEqual([...sd['layers.1.0.weight']!.shape], [1, 50]);
  assert.deepEqual((learn.model as models.EmbeddingNN).yRange, [0, 5.5]);
  await learn.noBar(() => learn.fitOneCycle(5, 5e-3, { wd: 0.1 }));
  const [mse] = await learn.validate();
  const v = variance(values(tensorsOf(dls.valid)[1]!));
  assert.ok(mse! < 0.8 * v, `validation MSE ${mse}, ratings' variance ${v}`);
});

test('collabLearner: no default yRange for ratings outside 0-5; options are checked', () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ user: `u${i % 7}`, item: `i${i % 5}`, score: (i % 10) + 1 }));
  const dls = collab.CollabDataLoaders.fromRows(rows, { validPct: 0.25 });
  assert.equal(tensorsOf(dls.valid)[0]!.shape[0], 10);
  const learn = collabLearner(dls, { nFactors: 4 });
  assert.equal((learn.model as models.EmbeddingDotBias).yRange, null);
  assert.deepEqual([...learn.model.stateDict()['u_weight.weight']!.shape], [8, 4]);
  assert.deepEqual((collabLearner(dls, { yRange: [0, 11] }).model as models.EmbeddingDotBias).yRange, [0, 11]);
  // @ts-expect-error nFactor is no option (nFactors is)
  assert.throws(() => collabLearner(dls, { nFactor: 4 }), /collab\.collabLearner: expected one of the options .* for opts\.nFactor/);
  assert.throws(() => collabLearner(dls, { useNN: true, nFactors: 4 }), /opts\.nFactors/);
});

// Metric plumbing against scikit-learn (fixtures/metrics.json): AvgMetric, AccumMetric with argmax,
// activation and threshold, the scikit-learn wrapper, the smoothed metric, and the Recorder's logMetric columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner, data, metrics, nn, torch, type Tensor } from '../src/index.js';
import { type Encoded, fixture, fromEnc } from './helpers.js';

const fx = fixture<{ inputs: Record<string, Encoded>; sklearn: Record<string, number> }>('metrics.json');
const I = Object.fromEntries(Object.entries(fx.inputs).map(([k, v]) => [k, fromEnc(v).keep()])) as Record<string, Tensor>;
const close = (a: number | undefined, b: number, what: string) =>
  assert.ok(a !== undefined && Math.abs(a - b) < 1e-6, `${what}: ${a} vs the reference ${b}`);

// test-local scikit-learn style functions (yTrue, yPred) on host arrays
function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const classes = [...new Set(Array.from(yTrue))];
  const recall = classes.map((c) => {
    let tp = 0,
      n = 0;
    for (let i = 0; i < yTrue.length; i++)
      if (yTrue[i] === c) {
        n++;
        if (yPred[i] === c) tp++;
      }
    return tp / n;
  });
  return recall.reduce((a, b) => a + b, 0) / recall.length;
}
function f1For(labels: number[]) {
  return (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
    const f1s = labels.map((c) => {
      let tp = 0,
        fp = 0,
        fn = 0;
      for (let i = 0; i < yTrue.length; i++) {
        const t = Number(yTrue[i]) === c,
          p = Number(yPred[i]) === c;
        if (t && p) tp++;
        else if (p) fp++;
        else if (t) fn++;
      }
      return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    });
    return f1s.reduce((a, b) => a + b, 0) / f1s.length;
  };
}

/** Feeds a metric the fixture in batches of 16, as a fit would. */
function overBatches(m: metrics.Metric, preds: Tensor, targs: Tensor): number | undefined {
  m.reset();
  torch.tidy(() => {
    for (let s = 0; s < preds.shape[0]!; s += 16) {
      const n = Math.min(16, preds.shape[0]! - s);
      m.accumulate({ pred: preds.narrow(0, s, n), yb: [targs.narrow(0, s, n)], loss: null });
    }
  });
  return m.value;
}

test("AvgMetric accuracy over batches equals scikit-learn's accuracy; compute gives one batch", () => {
  close(overBatches(metrics.accuracy(), I.logits!, I.targets!), fx.sklearn.accuracy!, 'accuracy');
  close(1 - overBatches(metrics.errorRate(), I.logits!, I.targets!)!, fx.sklearn.accuracy!, 'errorRate');
  close(metrics.accuracy().compute(I.logits!, I.targets!), fx.sklearn.accuracy!, 'compute');
});

test('skmToFlint: argmax by default, sigmoid and threshold with thresh, arguments in scikit-learn order', () => {
  close(overBatches(metrics.skmToFlint(balancedAccuracy), I.logits!, I.targets!), fx.sklearn.balanced_accuracy!, 'balanced accuracy');
  close(overBatches(metrics.skmToFlint(f1For([0, 1, 2, 3])), I.logits!, I.targets!), fx.sklearn.f1_macro!, 'F1 macro');
  const binary = metrics.skmToFlint(f1For([1]), { thresh: 0.3 });
  close(overBatches(binary, I.binLogits!, I.binTargets!), fx.sklearn['binary_f1_thresh_0.3']!, 'binary F1 at 0.3');
  const asymmetric = metrics.skmToFlint((yTrue, yPred) => Number(yTrue[0]) * 10 + Number(yPred[0]), { name: 'order' });
  assert.equal(asymmetric.compute(torch.tensor([[0, 5]]), torch.tensor([1], { dtype: 'int64' })), 11, 'called as f(yTrue, yPred)');
  assert.equal(asymmetric.name, 'order');
  const withKw = metrics.skmToFlint((yTrue, _yPred, kw) => Number(kw!.offset) + yTrue.length, { kwargs: { offset: 100 } });
  assert.equal(
    withKw.compute(
      torch.tensor([
        [0, 5],
        [1, 0],
      ]),
      torch.tensor([1, 0], { dtype: 'int64' }),
    ),
    102,
    'extra arguments reach the function',
  );
});

test('AccumMetric on tensors: regression metrics over the whole phase', () => {
  const mse = new metrics.AccumMetric(
    (p, t) =>
      (p as Tensor)
        .sub(t as Tensor)
        .square()
        .mean(),
    { name: 'mse' },
  );
  close(overBatches(mse, I.regPred!, I.regTarg!), fx.sklearn.mse!, 'mse');
  const r2 = new metrics.AccumMetric(
    (p, t) => {
      const pt = p as Tensor,
        tt = t as Tensor;
      return pt.sub(tt).square().sum().div(tt.sub(tt.mean()).square().sum()).neg().add(1);
    },
    { name: 'r2' },
  );
  close(overBatches(r2, I.regPred!, I.regTarg!), fx.sklearn.r2!, 'r2');
  assert.equal(new metrics.AccumMetric(() => 0).value, undefined, 'nothing accumulated: no value');
  assert.throws(
    () => new metrics.AccumMetric(() => 0, { dimArgmax: 0 }).compute(torch.zeros([3, 2]), torch.zeros([3])),
    /2 predictions but 3 targets after flattening/,
  );
});

test('every metric type takes the prediction transforms: AvgMetric with a threshold', () => {
  torch.tidy(() => {
    const thresholded = new metrics.AvgMetric((p, t) => p.eq(t!.bool()).float().mean(), 'acc@0.7', { activation: 'sigmoid', thresh: 0.7 });
    assert.equal(thresholded.compute(torch.tensor([0, 2, -3]), torch.tensor([0, 1, 0], { dtype: 'int64' })), 1);
  });
});

test('transformPreds: softmax, binary softmax, sigmoid, argmax and threshold', () => {
  torch.tidy(() => {
    const x = torch.tensor([
      [1, 3],
      [2, 0],
    ]);
    assert.ok(
      metrics
        .transformPreds(x, { activation: 'softmax' })
        .sum(1)
        .allclose(torch.ones([2])),
    );
    assert.ok(metrics.transformPreds(x, { activation: 'binarySoftmax' }).allclose(x.softmax(-1).select(-1, 1)));
    assert.deepEqual(metrics.transformPreds(x, { dimArgmax: 1 }).toArray(), [1, 0]);
    assert.deepEqual(metrics.transformPreds(x, { activation: 'sigmoid', thresh: 0.95 }).toArray(), [
      [false, true],
      [false, false],
    ]);
  });
});

test('logMetric picks the columns: both phases, train only (AvgSmoothMetric), or valid only', async () => {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([32, 3]), torch.randint(0, 2, [32]), torch.randn([16, 3]), torch.randint(0, 2, [16]), {
    batchSize: 8,
  });
  const both = metrics.accuracy();
  both.logMetric = 'both';
  const smooth = new metrics.AvgSmoothMetric((p, t) => metrics.functions.accuracy(p, t!), 0.9, 'smoothAcc');
  const learn = new Learner(dls, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLoss(), metrics: [both, smooth, metrics.errorRate()] });
  const rows: unknown[][] = [];
  learn.logger = (r) => rows.push(r);
  await learn.noBar(() => learn.fit(1));
  assert.deepEqual(learn.recorder!.metricNames, [
    'epoch',
    'train_loss',
    'train_accuracy',
    'train_smoothAcc',
    'valid_loss',
    'valid_accuracy',
    'valid_errorRate',
    'time',
  ]);
  assert.equal(rows[0]!.length, 8);
  assert.ok(
    rows[0]!.slice(1, 7).every((v) => typeof v === 'number'),
    JSON.stringify(rows[0]),
  );
  assert.ok(Math.abs((rows[0]![5] as number) + (rows[0]![6] as number) - 1) < 1e-9, 'valid accuracy + error rate = 1');
});

const cat = fixture<{
  classification: Record<string, { logits: Encoded; targets: Encoded; sklearn: Record<string, number> }>;
  regression: Record<string, { pred: Encoded; targ: Encoded; sklearn: Record<string, number> }>;
}>('metrics_catalogue.json');

for (const [name, c] of Object.entries(cat.classification)) {
  test(`classification metrics match scikit-learn: ${name}`, () => {
    const logits = fromEnc(c.logits).keep();
    const targs = fromEnc(c.targets).keep();
    const check = (m: metrics.Metric, key: string) => close(overBatches(m, logits, targs), c.sklearn[key]!, `${name} ${key}`);
    for (const avg of ['binary', 'macro', 'micro', 'weighted'] as const) {
      if (c.sklearn[`f1_${avg}`] === undefined) continue;
      check(metrics.Precision({ average: avg }), `precision_${avg}`);
      check(metrics.Recall({ average: avg }), `recall_${avg}`);
      check(metrics.F1Score({ average: avg }), `f1_${avg}`);
      check(metrics.FBeta(0.5, { average: avg }), `fbeta0.5_${avg}`);
      check(metrics.Jaccard({ average: avg }), `jaccard_${avg}`);
    }
    if (c.sklearn.f1_binary_pos0 !== undefined) check(metrics.F1Score({ posLabel: 0 }), 'f1_binary_pos0');
    check(metrics.BalancedAccuracy(), 'balanced_accuracy');
    check(metrics.MatthewsCorrCoef(), 'mcc');
    check(metrics.CohenKappa(), 'kappa');
    check(metrics.HammingLoss(), 'hamming');
    const sampleWeight = Array.from({ length: targs.shape[0]! }, (_, i) => (i % 5) + 1);
    check(metrics.F1Score({ average: 'macro', sampleWeight }), 'sw_f1_macro');
    check(metrics.Precision({ average: 'weighted', sampleWeight }), 'sw_precision_weighted');
    check(metrics.BalancedAccuracy({ sampleWeight }), 'sw_balanced_accuracy');
    check(metrics.MatthewsCorrCoef({ sampleWeight }), 'sw_mcc');
    check(metrics.CohenKappa({ sampleWeight }), 'sw_kappa');
    check(metrics.HammingLoss({ sampleWeight }), 'sw_hamming');
    assert.throws(
      () => overBatches(metrics.F1Score({ sampleWeight: [1, 2] }), logits, targs),
      /Metric.value \(metrics.F1Score\): metrics.confusionMatrix: expected \d+ weights, one per prediction for sampleWeight, got \[1, 2\]/,
    );
    torch.dispose([logits, targs]);
  });
}

for (const [name, c] of Object.entries(cat.regression)) {
  test(`regression metrics match scikit-learn: ${name}`, () => {
    const p = fromEnc(c.pred).keep();
    const t = fromEnc(c.targ).keep();
    const check = (m: metrics.Metric, key: string) => close(overBatches(m, p, t), c.sklearn[key]!, `${name} ${key}`);
    check(metrics.mse(), 'mse');
    check(metrics.mae(), 'mae');
    check(metrics.msle(), 'msle');
    check(metrics.rmse(), 'rmse');
    check(metrics.expRmspe(), 'exp_rmspe');
    check(metrics.ExplainedVariance(), 'explained_variance');
    check(metrics.R2Score(), 'r2');
    check(metrics.PearsonCorrCoef(), 'pearson');
    const sampleWeight = Array.from({ length: p.shape[0]! }, (_, i) => (i % 3) + 1);
    check(metrics.mse({ sampleWeight }), 'sw_mse');
    check(metrics.mae({ sampleWeight }), 'sw_mae');
    check(metrics.msle({ sampleWeight }), 'sw_msle');
    if (name !== 'perfect') check(metrics.R2Score({ sampleWeight }), 'sw_r2');
    if (name !== 'perfect') check(metrics.ExplainedVariance({ sampleWeight }), 'sw_explained_variance');
    torch.dispose([p, t]);
  });
}

const scores = (cat as unknown as { scores: { inputs: Record<string, Encoded>; sklearn: Record<string, number> } }).scores;
test('score-based metrics match scikit-learn and scipy (ties included)', () => {
  const S = Object.fromEntries(Object.entries(scores.inputs).map(([k, v]) => [k, fromEnc(v).keep()])) as Record<string, Tensor>;
  const sk = scores.sklearn;
  close(overBatches(metrics.RocAucBinary(), S.bin2!, S.bin2_t!), sk.roc_auc_binary_2col!, 'ROC AUC, 2-column logits');
  close(overBatches(metrics.RocAucBinary(), S.bin1!, S.bin1_t!), sk.roc_auc_binary_1d!, 'ROC AUC, 1-d logits');
  close(overBatches(metrics.APScoreBinary(), S.bin2!, S.bin2_t!), sk.ap_binary_2col!, 'average precision');
  close(overBatches(metrics.BrierScore(), S.bin2!, S.bin2_t!), sk.brier_2col!, 'Brier score');
  close(overBatches(metrics.RocAuc(), S.multi!, S.multi_t!), sk.roc_auc_ovr_macro!, 'ROC AUC one-vs-rest');
  close(overBatches(metrics.RocAuc({ multiClass: 'ovo' }), S.multi!, S.multi_t!), sk.roc_auc_ovo_macro!, 'ROC AUC one-vs-one');
  close(overBatches(metrics.topKAccuracy(2), S.multi!, S.multi_t!), sk.top2_accuracy!, 'top-2 accuracy');
  close(overBatches(metrics.accuracyMulti(), S.ml!, S.ml_t!), sk.accuracy_multi!, 'multi-label accuracy');
  close(overBatches(metrics.SpearmanCorrCoef(), S.sp_a!, S.sp_b!), sk.spearman!, 'Spearman');
  const perplexity = new metrics.Perplexity();
  perplexity.reset();
  torch.tidy(() => perplexity.accumulate({ pred: S.multi!, yb: [S.multi_t!], loss: torch.functional.crossEntropy(S.multi!, S.multi_t!) }));
  close(perplexity.value, sk.perplexity!, 'perplexity');
  assert.throws(() => torch.tidy(() => metrics.rocAuc(torch.tensor([0.1, 0.9]), torch.tensor([1, 1], { dtype: 'int64' }))), /needs both classes/);
  torch.dispose(S);
});

const mlFx = (cat as unknown as { multilabel: { x: Encoded; y: Encoded; sklearn: Record<string, number> } }).multilabel;
test('multi-label metrics match scikit-learn (label-indicator targets, a label that never occurs)', () => {
  const x = fromEnc(mlFx.x).keep();
  const y = fromEnc(mlFx.y).keep();
  const sk = mlFx.sklearn;
  for (const average of ['macro', 'micro', 'weighted'] as const) {
    close(overBatches(metrics.PrecisionMulti({ average }), x, y), sk[`precision_${average}`]!, `precision ${average}`);
    close(overBatches(metrics.RecallMulti({ average }), x, y), sk[`recall_${average}`]!, `recall ${average}`);
    close(overBatches(metrics.F1ScoreMulti({ average }), x, y), sk[`f1_${average}`]!, `f1 ${average}`);
    close(overBatches(metrics.FBetaMulti(2, { average }), x, y), sk[`fbeta2_${average}`]!, `fbeta ${average}`);
    close(overBatches(metrics.JaccardMulti({ average }), x, y), sk[`jaccard_${average}`]!, `jaccard ${average}`);
  }
  close(overBatches(metrics.HammingLossMulti(), x, y), sk.hamming!, 'hamming');
  close(overBatches(metrics.BrierScoreMulti(), x, y), sk.brier_flat!, 'brier over labels');
  close(overBatches(metrics.MatthewsCorrCoefMulti(), x, y), sk.mcc_flat!, 'mcc');
  const x4 = x.narrow(1, 0, 4).keep();
  const y4 = y.narrow(1, 0, 4).keep();
  close(overBatches(metrics.RocAucMulti(), x4, y4), sk.roc_auc_macro_4!, 'roc auc macro');
  close(overBatches(metrics.APScoreMulti(), x4, y4), sk.ap_macro_4!, 'average precision macro');
  torch.dispose([x, y, x4, y4]);
});

const segFx = (cat as unknown as { segmentation: { logits: Encoded; t: Encoded; binLogits: Encoded; binT: Encoded; values: Record<string, number> } })
  .segmentation;
test("segmentation metrics match fastai's definitions", () => {
  const S = { l: fromEnc(segFx.logits).keep(), t: fromEnc(segFx.t).keep(), bl: fromEnc(segFx.binLogits).keep(), bt: fromEnc(segFx.binT).keep() };
  const perImage = (m: metrics.Metric, p: Tensor, t: Tensor): number | undefined => {
    m.reset();
    torch.tidy(() => {
      for (let i = 0; i < p.shape[0]!; i++) m.accumulate({ pred: p.narrow(0, i, 1), yb: [t.narrow(0, i, 1)], loss: null });
    });
    return m.value;
  };
  close(perImage(new metrics.Dice(), S.bl, S.bt), segFx.values.dice!, 'dice');
  close(perImage(new metrics.JaccardCoeff(), S.bl, S.bt), segFx.values.jaccard_coeff!, 'jaccard coefficient');
  close(perImage(new metrics.DiceMulti(), S.l, S.t), segFx.values.dice_multi!, 'dice multi');
  close(perImage(metrics.foregroundAcc(), S.l, S.t), segFx.values.foreground_acc!, 'foreground accuracy');
  torch.dispose(Object.values(S));
});

test('a Learner takes metric factories uncalled, metric objects, and plain functions', async () => {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([16, 3]), torch.randint(0, 2, [16]), torch.randn([8, 3]), torch.randint(0, 2, [8]), {
    batchSize: 8,
  });
  const learn = new Learner(dls, new nn.Linear(3, 2), {
    lossFunc: new nn.CrossEntropyLoss(),
    metrics: [
      metrics.accuracy,
      metrics.F1Score,
      metrics.errorRate(),
      function top(p: Tensor, t: Tensor) {
        return metrics.functions.accuracy(p, t);
      },
    ],
  });
  learn.logger = () => {};
  await learn.noBar(() => learn.fit(1));
  assert.deepEqual(learn.recorder!.metricNames, ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'f1Score', 'errorRate', 'top', 'time']);
  const row = learn.recorder!.values[0]!;
  assert.ok(Math.abs(row[2]! - row[5]!) < 1e-12 && Math.abs(row[2]! + row[4]! - 1) < 1e-12);
});

test('losses keep their precision: a float64 loss is averaged in float64 (AvgLoss, AvgSmoothLoss, LossPartMetric)', () => {
  torch.tidy(() => {
    // 1 + 2e-12 is 1 in float32: a float32 mean would lose the 2e-12
    const loss = torch.tensor([1 + 1e-12, 1 + 3e-12], { dtype: 'float64' });
    const state = { pred: null, yb: [torch.zeros([2])], loss, lossParts: { part: loss } };
    for (const m of [new metrics.AvgLoss(), new metrics.AvgSmoothLoss(0.5), new metrics.LossPartMetric('part')]) {
      m.accumulate(state);
      const v = m.value!;
      assert.ok(Math.abs(v - 1 - 2e-12) < 1e-15, `${m.constructor.name}: ${v - 1} above 1, not 2e-12`);
      m.reset();
    }
    // half types are averaged in float32 (their own precision would round the sum)
    const half = new metrics.AvgLoss();
    half.accumulate({ pred: null, yb: [], loss: torch.full([4], 0.1, { dtype: 'float16' }) });
    assert.ok(Math.abs(half.value! - 0.0999755859375) < 1e-9, `float16 loss mean: ${half.value}`);
    half.reset();
  });
});

test("AvgSmoothLoss holds its own handle to a 0-d loss: reading the value mid-phase leaves the caller's loss alive", () => {
  torch.tidy(() => {
    const m = new metrics.AvgSmoothLoss();
    const loss = torch.tensor(0.5);
    m.accumulate({ pred: null, yb: [], loss });
    assert.ok(Math.abs(m.value! - 0.5) < 1e-9);
    assert.equal(loss.isDisposed, false);
    assert.equal(loss.item(), 0.5);
    m.reset();
  });
});

test('errors inside a metric name it and keep their class: ArgumentError and TorchError stay, a TypeError is wrapped', () => {
  torch.tidy(() => {
    const state = { pred: torch.randn([4, 3]), yb: [torch.tensor([0, 1, 2], { dtype: 'int64' })], loss: null };
    // metrics.functions.accuracy refuses 3 targets for 4 predictions with an ArgumentError
    const acc = metrics.accuracy();
    assert.throws(
      () => acc.accumulate(state),
      (e: unknown) =>
        e instanceof torch.ArgumentError &&
        e.fn === 'metrics.functions.accuracy' &&
        e.arg === 'target' &&
        e.message.startsWith('Metric.accumulate (metrics.accuracy): metrics.functions.accuracy: expected'),
    );
    const mm = new metrics.AvgMetric((p, t) => p.matmul(t!), 'mm');
    assert.throws(
      () => mm.accumulate(state),
      (e: unknown) => e instanceof torch.TorchError && e.op !== undefined && e.message.startsWith('Metric.accumulate (metrics.AvgMetric(mm)): '),
    );
    const cause = new TypeError('oops');
    const bad = new metrics.AvgMetric(() => {
      throw cause;
    }, 'bad');
    assert.throws(
      () => bad.accumulate(state),
      (e: unknown) =>
        e instanceof torch.FlintError &&
        !(e instanceof torch.ArgumentError) &&
        e.message === 'Metric.accumulate (metrics.AvgMetric(bad)): oops' &&
        e.cause === cause,
    );
    assert.throws(
      () => bad.compute(state.pred, state.yb[0]!),
      (e: unknown) => e instanceof torch.FlintError && e.message === 'Metric.compute (metrics.AvgMetric(bad)): oops',
    );
    // a check of the method itself is not named twice
    assert.throws(
      () => acc.accumulate({ ...state, yb: 5 as unknown as Tensor[] }),
      (e: unknown) => e instanceof torch.ArgumentError && e.message === 'Metric.accumulate: expected an array of target tensors for state.yb, got 5',
    );
  });
});

test('confusionMatrix: its checks (whole classes, signs, the largest class, weights) cost one host read', () => {
  torch.tidy(() => {
    const p = torch.tensor([0, 2, 1, 1]); // float32 class indices
    const t = torch.tensor([0, 1, 1, 2], { dtype: 'int64' });
    const reads = torch.hostReads();
    const cm = metrics.confusionMatrix(p, t, undefined, torch.tensor([1, 2, 1, 1]));
    assert.equal(torch.hostReads() - reads, 1);
    assert.deepEqual(cm.toArray(), [
      [1, 0, 0],
      [0, 1, 2],
      [0, 1, 0],
    ]);
    assert.throws(
      () => metrics.confusionMatrix(torch.tensor([0.5, 1]), torch.tensor([0, 1])),
      /metrics\.confusionMatrix: expected whole class indices \(argmax the logits first\) for preds/,
    );
    assert.throws(
      () => metrics.confusionMatrix(torch.tensor([0, 1]), torch.tensor([0, 1.5])),
      /expected whole class indices \(argmax the logits first\) for targs/,
    );
    assert.throws(() => metrics.confusionMatrix(torch.tensor([0, 1]), torch.tensor([0, -1])), /expected non-negative class indices for targs/);
    assert.throws(
      () => metrics.confusionMatrix(torch.tensor([0, 3]), torch.tensor([0, 1]), 3),
      /expected a count above the largest class index \(3\) for numClasses/,
    );
    assert.throws(
      () => metrics.confusionMatrix(torch.tensor([0, 1]), torch.tensor([0, 1]), undefined, torch.tensor([1, -1])),
      /expected non-negative weights for sampleWeight/,
    );
    assert.deepEqual(metrics.confusionMatrix(torch.zeros([0]), torch.zeros([0]), 2).toArray(), [
      [0, 0],
      [0, 0],
    ]);
  });
});

// issue 9, section 6: where Flint diverged from fastai / scikit-learn

test("average 'binary' (the default) refuses multiclass data as scikit-learn does, when the value is computed", () => {
  torch.tidy(() => {
    // 3 classes in the predictions and targets: scikit-learn raises "Target is multiclass but average='binary'"
    const logits = torch.tensor([
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
      [2, 0, 1],
    ]);
    const targs = torch.tensor([0, 1, 2, 1], { dtype: 'int64' });
    for (const [make, name] of [
      [() => metrics.F1Score(), 'F1Score'],
      [() => metrics.Precision(), 'Precision'],
      [() => metrics.Recall(), 'Recall'],
      [() => metrics.FBeta(2), 'FBeta'],
      [() => metrics.Jaccard(), 'Jaccard'],
    ] as const) {
      const m = make();
      const reads = torch.hostReads();
      m.accumulate({ pred: logits, yb: [targs], loss: null });
      m.accumulate({ pred: logits, yb: [targs], loss: null });
      assert.equal(torch.hostReads() - reads, 0, `${name}: no host read per batch`);
      assert.throws(
        () => m.value,
        (e: unknown) =>
          e instanceof torch.ArgumentError &&
          e.fn === `metrics.${name}` &&
          e.arg === 'options.average' &&
          e.message ===
            `Metric.value (metrics.${name}): metrics.${name}: expected one of 'macro', 'micro', 'weighted' (the targets and predictions hold 3 classes: multiclass, not binary) for options.average, got "binary"`,
      );
      m.reset();
      assert.throws(() => make().compute(logits, targs), /metrics\.\w+: expected one of 'macro', 'micro', 'weighted' .* for options\.average/);
    }
    // 2 classes in the targets but a third predicted: multiclass too (scikit-learn unites the labels)
    assert.throws(() => metrics.F1Score().compute(logits, torch.tensor([0, 1, 1, 0], { dtype: 'int64' })), /hold 3 classes/);
    // two classes, neither of them posLabel: scikit-learn's "pos_label=1 is not a valid label"
    assert.throws(
      () => metrics.F1Score().compute(logits.narrow(0, 0, 1), torch.tensor([2], { dtype: 'int64' })),
      /expected one of the classes present \(0, 2\) for options\.posLabel, got 1/,
    );
    // binary data is unchanged: tp 1, fp 1, fn 1 for class 1 -> F1 0.5; the other averages take multiclass data
    const bin = torch.tensor([
      [0, 1],
      [0, 1],
      [1, 0],
      [1, 0],
    ]);
    assert.equal(metrics.F1Score().compute(bin, torch.tensor([1, 0, 1, 0], { dtype: 'int64' })), 0.5);
    assert.ok(Math.abs(metrics.F1Score({ average: 'micro' }).compute(logits, targs) - 0.75) < 1e-12, 'micro F1 = accuracy, 3 of 4');
    // one class only: nothing to refuse (scikit-learn gives 0 for the absent positive class)
    assert.equal(
      metrics.F1Score().compute(
        torch.tensor([
          [1, 0],
          [1, 0],
        ]),
        torch.tensor([0, 0], { dtype: 'int64' }),
      ),
      0,
    );
  });
});

test("skmToFlint: an explicit activation wins over the sigmoid that thresh implies (fastai's skm_to_fastai)", () => {
  torch.tidy(() => {
    const positives = (_yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => Array.from(yPred).filter((v) => v === 1).length;
    const preds = torch.tensor([0.2, 0.7, -1, 3]);
    const targs = torch.tensor([0, 1, 0, 1], { dtype: 'int64' });
    // raw scores >= 0.5: 0.7 and 3
    assert.equal(metrics.skmToFlint(positives, { thresh: 0.5, activation: 'none' }).compute(preds, targs), 2);
    // no activation given: the sigmoid (0.55, 0.67, 0.27, 0.95) >= 0.5
    assert.equal(metrics.skmToFlint(positives, { thresh: 0.5 }).compute(preds, targs), 3);
  });
});

/** A [1, C, 1, W] prediction whose argmax over axis 1 is `classes`. */
function segLogits(classes: number[], numClasses: number): Tensor {
  return torch.tensor([Array.from({ length: numClasses }, (_, c) => [classes.map((k) => (k === c ? 1 : 0))])]);
}
const segValue = (m: metrics.Metric, pred: Tensor, targ: Tensor): number | undefined => {
  m.reset();
  m.accumulate({ pred, yb: [targ], loss: null });
  const v = m.value;
  m.reset();
  return v;
};

test('DiceMulti and JaccardCoeffMulti against hand-computed values; float targets holding classes count as in fastai', () => {
  torch.tidy(() => {
    // predicted [0, 1, 2, 2], target [0, 1, 1, 2]: per class inter 1, 1, 1 and |P| + |T| 2, 3, 3
    const pred = segLogits([0, 1, 2, 2], 3);
    for (const targ of [torch.tensor([[[0, 1, 1, 2]]], { dtype: 'int64' }), torch.tensor([[[0, 1, 1, 2]]])]) {
      close(segValue(new metrics.DiceMulti(), pred, targ), (1 + 2 / 3 + 2 / 3) / 3, `dice multi, ${targ.dtype} targets`);
      close(segValue(new metrics.JaccardCoeffMulti(), pred, targ), (1 + 0.5 + 0.5) / 3, `jaccard multi, ${targ.dtype} targets`);
    }
    // fastai compares the target with each class: 255 (void) and 0.5 are in no class, the pixel counts as predicted only
    const pred6 = segLogits([0, 1, 2, 2, 0, 1], 3);
    const targ6 = torch.tensor([[[0, 1, 1, 2, 255, 0.5]]]);
    // class 0: inter 1, |P| 2 + |T| 1; class 1: inter 1, 2 + 2; class 2: inter 1, 2 + 1
    close(segValue(new metrics.DiceMulti(), pred6, targ6), (2 / 3 + 2 / 4 + 2 / 3) / 3, 'dice multi with void targets');
    close(segValue(new metrics.JaccardCoeffMulti(), pred6, targ6), (1 / 2 + 1 / 3 + 1 / 2) / 3, 'jaccard multi with void targets');
    assert.equal(new metrics.JaccardCoeffMulti().name, 'jaccardCoeffMulti');
    assert.equal(new metrics.JaccardCoeffMulti().value, undefined, 'nothing accumulated: no value');
  });
});

test('ValueMetric is named after its function unless given a name (fastai: func.__name__)', () => {
  function lrNow(): number {
    return 0.1;
  }
  assert.equal(new metrics.ValueMetric(lrNow).name, 'lrNow');
  assert.equal(new metrics.ValueMetric(lrNow, 'lr').name, 'lr');
  assert.equal(new metrics.ValueMetric(lrNow).value, 0.1);
  assert.equal(new metrics.ValueMetric(() => 1).name, 'value', 'an anonymous function: a generic name');
});

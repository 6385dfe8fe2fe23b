// learn.toDistributed(): 2 ranks with batch 8 fit as 1 process with batch 16 does (weights, training loss,
// validation loss and accuracy), and only rank 0 prints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRanks } from './dist-helpers.js';
import { learnerRun, lrFindRun } from './workers/learner-dist.js';

test('2 ranks fit as 1 process with twice the batch; only rank 0 prints the table', async () => {
  const ranks = await runRanks('learner-dist', 2);
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
  const single = await learnerRun({ batch: 16, distributed: false, initSeed: 11 });
  const [r0, r1] = ranks as [(typeof ranks)[0], (typeof ranks)[0]];
  assert.deepEqual(r0.result.names, single.names);
  assert.deepEqual(single.names, ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'f1Score', 'matthewsCorrCoef', 'time']);
  for (const r of [r0, r1]) {
    assert.ok(Math.abs(r.result.predsSum - single.predsSum) < 1e-4, `rank ${r.rank} getPreds`);
    assert.deepEqual(r.result.targsList, single.targsList);
    single.validated.forEach((w, i) =>
      assert.ok(Math.abs(r.result.validated[i] - (w as number)) <= 1e-5, `rank ${r.rank} validate()[${i}]: ${r.result.validated[i]} vs ${w}`),
    );
  }
  for (const [k, want] of Object.entries(single.state)) {
    for (const r of [r0, r1]) {
      const got = r.result.state[k] as number[];
      want.forEach((w, i) => assert.ok(Math.abs((got[i] as number) - w) <= 1e-5 * (1 + Math.abs(w)), `rank ${r.rank} ${k}[${i}]: ${got[i]} vs ${w}`));
    }
  }
  // every recorded value (train loss, valid loss, accuracy) of both epochs; the time column aside
  const timeCol = single.names.indexOf('time');
  single.values.forEach((row, e) =>
    row.forEach((w, c) => {
      if (c === timeCol - 1 || typeof w !== 'number') return;
      for (const r of [r0, r1])
        assert.ok(Math.abs(r.result.values[e][c] - w) <= 1e-5, `rank ${r.rank} epoch ${e} column ${c}: ${r.result.values[e][c]} vs ${w}`);
    }),
  );
  const printed = (out: string) => out.split('\n').filter((l) => !l.startsWith('RESULT '));
  assert.ok(
    printed(r0.stdout).some((l) => /train_loss/.test(l)),
    r0.stdout,
  );
  assert.deepEqual(
    printed(r1.stdout).filter((l) => l.trim() !== ''),
    [],
  );
});

test('Ctrl-C on one rank stops every rank after the same batch (FitInterrupted everywhere)', async () => {
  const ranks = await runRanks('sigint-dist', 2);
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
  const [r0, r1] = ranks.map((r) => r.result);
  assert.equal(r1.interrupted, true);
  assert.equal(r0.interrupted, true, 'rank 0 went on');
  assert.equal(r0.epoch, 0);
  assert.deepEqual([r0.epoch, r0.iter], [r1.epoch, r1.iter]);
  // the batch the signal arrived in finished: the fit stopped after batch 5 (or the next, had the signal come late)
  assert.ok(r0.iter >= 5 && r0.iter <= 6, `stopped at batch ${r0.iter}`);
});

test('lrFind on 2 ranks records the losses and suggests the lr of 1 process with twice the batch', async () => {
  const ranks = await runRanks('learner-dist', 2, { args: ['lrFind'] });
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
  const single = await lrFindRun({ batch: 16, distributed: false, initSeed: 11 });
  assert.ok(single.losses.length >= 10);
  for (const r of ranks) {
    assert.equal(r.result.losses.length, single.losses.length, `rank ${r.rank}: batches run`);
    single.losses.forEach((w, i) =>
      assert.ok(Math.abs(r.result.losses[i] - w) <= 1e-5 * (1 + Math.abs(w)), `rank ${r.rank} loss ${i}: ${r.result.losses[i]} vs ${w}`),
    );
    assert.ok(Math.abs(r.result.found.valley - single.found.valley!) <= 1e-9 * single.found.valley!, `rank ${r.rank} valley`);
  }
});

test('a distributed Learner without a process group says what to do, and leaves the loaders as they were', async () => {
  const { Learner, data, nn, torch } = await import('../src/index.js');
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 2]), torch.randn([8, 1]), torch.randn([4, 2]), torch.randn([4, 1]), { batchSize: 4 });
  const learn = new Learner(dls, new nn.Linear(2, 1), { lossFunc: new nn.MSELoss() }).toDistributed();
  await assert.rejects(learn.fit(1), /DistributedTrainer: no process group: await torch\.distributed\.initProcessGroup\(\) first/);
  assert.equal(dls.train.shard, null);
  assert.throws(() => learn.toDistributed(), /Learner\.toDistributed: this Learner is already distributed/);
});

test('image loaders shard the same way: 2 ranks fit a folder of images as 1 process with twice the batch', async () => {
  const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { plot } = await import('../src/index.js');
  const { visionRun } = await import('./workers/vision-dist.js');
  const dir = mkdtempSync(join(tmpdir(), 'flint-dist-images-'));
  try {
    // class c1's images are brighter; 14 training and 5 validation images per class
    for (const [split, n] of [
      ['train', 14],
      ['valid', 5],
    ] as const) {
      for (const c of [0, 1]) {
        mkdirSync(join(dir, split, `c${c}`), { recursive: true });
        for (let i = 0; i < n; i++) {
          const px = Uint8Array.from({ length: 16 * 12 * 3 }, (_, k) => (k * (i + 7) + 90 * c + (c === 1 ? 60 : 0)) % 256);
          writeFileSync(join(dir, split, `c${c}`, `${i}.png`), plot.encodePng(px, 16, 12, 3));
        }
      }
    }
    const ranks = await runRanks('vision-dist', 2, { args: [dir] });
    for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
    const single = await visionRun({ dir, batch: 8, distributed: false });
    for (const r of ranks) {
      for (const [k, want] of Object.entries(single.state)) {
        want.forEach((w, i) =>
          assert.ok(Math.abs(r.result.state[k][i] - w) <= 1e-5 * (1 + Math.abs(w)), `rank ${r.rank} ${k}[${i}]: ${r.result.state[k][i]} vs ${w}`),
        );
      }
      single.values.forEach((row, e) =>
        row.forEach((w, c) => {
          if (c < 3) assert.ok(Math.abs(r.result.values[e][c] - (w as number)) <= 1e-5, `rank ${r.rank} epoch ${e} column ${c}`);
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Faults in a data-parallel run under flint launch: a rank killed mid-epoch makes the other fail with Gloo's error at
// once, the launcher exits non-zero naming the dead rank, and no process is left behind; the checkpoint rank 0 wrote
// before the failure loads on every rank and the resumed fit ends with the weights of an uninterrupted one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { alive, freePort, runRanks, workerPath } from './dist-helpers.js';

const bin = fileURLToPath(new URL('../../bin/flint.js', import.meta.url));

async function launch(mode: string, dir: string) {
  const port = await freePort();
  const r = spawnSync(process.execPath, [bin, 'launch', '--nproc-per-node', '2', '--master-port', String(port), workerPath('fault'), mode, dir], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const pids = [0, 1].map((rank) => Number(readFileSync(join(dir, `${mode}-${rank}.pid`), 'utf8')));
  return { ...r, pids };
}

test('a rank killed mid-epoch: the other fails at once, the launcher exits 1 naming it, nothing is left; the checkpoint resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-faults-'));
  try {
    const t0 = Date.now();
    const crash = await launch('crash', dir);
    for (const pid of crash.pids) assert.equal(alive(pid), false, `process ${pid} was left behind`);
    assert.equal(crash.status, 1, crash.stderr);
    assert.match(crash.stderr, /failed: rank 1 \(local rank 1, pid \d+\) was killed by signal SIGKILL/);
    assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
    assert.ok(existsSync(join(dir, 'models', 'ckpt.safetensors')), 'rank 0 wrote the checkpoint after epoch 0');
    assert.equal(existsSync(join(dir, 'crash-0.json')), false);

    // without a launcher to stop it, rank 0 sees the dead peer through Gloo, well within the 20 s timeout
    const t1 = Date.now();
    const [r0, r1] = await runRanks('fault', 2, { args: ['crash', dir] });
    assert.equal(r1?.signal, 'SIGKILL');
    assert.equal(r0?.code, 1);
    assert.match(
      r0?.stderr ?? '',
      /DistributedError: torch\.distributed\.\w+: failed on rank 0 of 2: .*(Connection closed by peer|Connection reset by peer|Broken pipe)/,
    );
    assert.ok(Date.now() - t1 < 20_000, `took ${Date.now() - t1} ms`);

    const resume = await launch('resume', dir);
    assert.equal(resume.status, 0, resume.stderr);
    const full = await launch('full', dir);
    assert.equal(full.status, 0, full.stderr);
    for (const rank of [0, 1]) {
      const got = JSON.parse(readFileSync(join(dir, `resume-${rank}.json`), 'utf8'));
      const want = JSON.parse(readFileSync(join(dir, `full-0.json`), 'utf8'));
      assert.equal(got.start, 1);
      for (const [k, w] of Object.entries(want.state as Record<string, number[]>)) {
        w.forEach((v, i) => assert.ok(Math.abs(got.state[k][i] - v) <= 1e-6, `rank ${rank} ${k}[${i}]: ${got.state[k][i]} vs ${v}`));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

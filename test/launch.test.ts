// `flint launch` (torchrun's interface), with small plain-JS scripts as the processes: torchrun's environment,
// arguments and output passed through, a failure stopping the others (SIGTERM, then SIGKILL after the grace period)
// with a report naming the rank, Ctrl-C / SIGTERM passed on, and no process left behind. Every process a test
// starts writes its pid to a file, and each test kills whatever is left of them at its end, even when it failed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch } from '../src/cli/launch.js';
import { ArgumentError } from '../src/torch/errors.js';
import { parse } from './cli-parse.js';

const bin = new URL('../../bin/flint.js', import.meta.url).pathname;
const launchModule = new URL('../src/cli/launch.js', import.meta.url).href;

// Helpers for the scripts (CommonJS): `pid()` records this process's pid as pid-<RANK>; `until(file, f)` runs f once
// the file exists; `idle()` keeps the process alive.
const prelude = `
const fs = require('node:fs'), path = require('node:path');
const dir = ${'__DIR__'};
const pid = () => fs.writeFileSync(path.join(dir, 'pid-' + process.env.RANK), String(process.pid));
const until = (file, f) => { const t = setInterval(() => { if (fs.existsSync(path.join(dir, file))) { clearInterval(t); f(); } }, 10); };
const idle = () => setInterval(() => {}, 1000);
`;

function workDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'flint-launch-'));
  t.after(() => {
    // whatever the test's processes left running (they record their pids), even if an assertion failed
    for (const f of readdirSync(dir).filter((f) => f.startsWith('pid-'))) {
      try {
        process.kill(Number(readFileSync(join(dir, f), 'utf8')), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  return dir;
}

function script(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, prelude.replace('__DIR__', JSON.stringify(dir)) + body);
  return file;
}

interface Run {
  pid: number;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
}

/** Starts `node args...` (the launcher), killed at the test's end if it is still running. */
function start(t: TestContext, args: string[], env: NodeJS.ProcessEnv = process.env, detached = false): Run {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((r) =>
    proc.on('close', (code, signal) => r({ code, signal, out, err })),
  );
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  assert.ok(proc.pid !== undefined, 'the launcher started');
  return { pid: proc.pid, done };
}

/** A bound for the tests that start processes, so that a launcher that never returns fails the test instead of hanging. */
const T = { timeout: 60_000 };

const flint = (t: TestContext, args: string[], env?: NodeJS.ProcessEnv, detached?: boolean): Run => start(t, [bin, 'launch', ...args], env, detached);

/** The launcher run through launch() itself, for what the command line does not expose (the grace period). */
const direct = (t: TestContext, options: object): Run =>
  start(t, [
    '--input-type=module',
    '-e',
    `import { launch } from ${JSON.stringify(launchModule)}; process.exitCode = await launch(${JSON.stringify(options)});`,
  ]);

async function waitFor(dir: string, ...files: string[]): Promise<void> {
  for (let i = 0; i < 2000 && !files.every((f) => existsSync(join(dir, f))); i++) await sleep(10);
  for (const f of files) assert.ok(existsSync(join(dir, f)), `${f} was written`);
}

/** Whether a process is gone (a zombie nobody reaped yet counts as gone); it may take a moment to be torn down. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
      throw e;
    }
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    if (/^\d+ \(.*\) Z/.test(stat)) return true;
    await sleep(10);
  }
  return false;
}

const pidOf = (dir: string, rank: number): number => Number(readFileSync(join(dir, `pid-${rank}`), 'utf8'));

const noOmp = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.OMP_NUM_THREADS;
  return env;
};

const envScript = `
const e = process.env;
console.log('ENV ' + JSON.stringify({ RANK: e.RANK, LOCAL_RANK: e.LOCAL_RANK, WORLD_SIZE: e.WORLD_SIZE, LOCAL_WORLD_SIZE: e.LOCAL_WORLD_SIZE,
  GROUP_RANK: e.GROUP_RANK, MASTER_ADDR: e.MASTER_ADDR, MASTER_PORT: e.MASTER_PORT, OMP_NUM_THREADS: e.OMP_NUM_THREADS, argv: process.argv.slice(2) }));
`;

function envs(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('ENV '))
    .map((l) => JSON.parse(l.slice(4)) as Record<string, unknown>)
    .sort((a, b) => Number(a.RANK) - Number(b.RANK));
}

test("flint launch runs N processes with torchrun's environment, their output and arguments passed through", T, async (t) => {
  const dir = workDir(t);
  const file = script(dir, 'env.cjs', envScript);
  const r = await flint(t, ['--nproc-per-node', '2', file, '--epochs', '3', '-x', '--', 'y'], noOmp()).done;
  assert.equal(r.code, 0, r.err);
  const common = { WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500' };
  const argv = ['--epochs', '3', '-x', '--', 'y'];
  assert.deepEqual(envs(r.out), [
    { RANK: '0', LOCAL_RANK: '0', ...common, OMP_NUM_THREADS: '1', argv },
    { RANK: '1', LOCAL_RANK: '1', ...common, OMP_NUM_THREADS: '1', argv },
  ]);
  assert.match(r.err, /setting OMP_NUM_THREADS=1 for each process/);

  // one process by default: no note, OMP_NUM_THREADS left alone
  const one = await flint(t, [file], noOmp()).done;
  assert.equal(one.code, 0, one.err);
  assert.deepEqual(envs(one.out), [{ RANK: '0', LOCAL_RANK: '0', ...common, WORLD_SIZE: '1', LOCAL_WORLD_SIZE: '1', argv: [] }]);
  assert.doesNotMatch(one.err, /OMP_NUM_THREADS/);
});

test('flint launch --nnodes 2 --node-rank 1: ranks 2 and 3 of 4, the given master, OMP_NUM_THREADS kept', T, async (t) => {
  const dir = workDir(t);
  const file = script(dir, 'env.cjs', envScript);
  // torchrun's underscore spellings are accepted too
  const args = ['--nnodes', '2', '--node_rank', '1', '--master-addr', '10.1.2.3', '--master_port', '1234', '--nproc_per_node', '2', file];
  const r = await flint(t, args, { ...process.env, OMP_NUM_THREADS: '4' }).done;
  assert.equal(r.code, 0, r.err);
  const common = {
    WORLD_SIZE: '4',
    LOCAL_WORLD_SIZE: '2',
    GROUP_RANK: '1',
    MASTER_ADDR: '10.1.2.3',
    MASTER_PORT: '1234',
    OMP_NUM_THREADS: '4',
    argv: [],
  };
  assert.deepEqual(envs(r.out), [
    { RANK: '2', LOCAL_RANK: '0', ...common },
    { RANK: '3', LOCAL_RANK: '1', ...common },
  ]);
  assert.doesNotMatch(r.err, /setting OMP_NUM_THREADS/);
});

test('a process failing stops the others and what they started; the report names the rank, its code and its stderr', T, async (t) => {
  const dir = workDir(t);
  const file = script(
    dir,
    'fail.cjs',
    `
if (process.env.RANK === '0') {
  // rank 0 starts a process of its own (in its process group), then waits forever
  const g = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'pid-grandchild'), String(g.pid));
  pid();
  idle();
} else {
  pid();
  for (let i = 1; i <= 25; i++) console.error('line ' + i);
  until('pid-0', () => process.exit(3));
}
`,
  );
  const r = await flint(t, ['--nproc-per-node', '2', file]).done;
  assert.equal(r.code, 1, r.err);
  const rank1 = pidOf(dir, 1);
  assert.ok(r.err.includes(`rank 1 (pid ${rank1}) exited with code 3: stopping the other processes (SIGTERM)`), r.err);
  assert.ok(r.err.includes(`${file} failed: rank 1 (local rank 1, pid ${rank1}) exited with code 3`), r.err);
  // the whole stderr streamed through; the report has its last 20 lines
  assert.match(r.err, /^line 1$/m);
  const tail = r.err.split('\n').filter((l) => l.startsWith('    | '));
  assert.deepEqual(
    tail,
    Array.from({ length: 20 }, (_, i) => `    | line ${i + 6}`),
  );
  assert.match(r.err, /the others: rank 0 \(stopped\) was killed by signal SIGTERM/);
  assert.ok(await gone(pidOf(dir, 0)), 'rank 0 is gone');
  assert.ok(await gone(Number(readFileSync(join(dir, 'pid-grandchild'), 'utf8'))), "rank 0's own child is gone");
});

test('a process killed by a signal is a failure, named with its signal', T, async (t) => {
  const dir = workDir(t);
  const file = script(
    dir,
    'killed.cjs',
    `pid(); if (process.env.RANK === '1') until('pid-0', () => process.kill(process.pid, 'SIGKILL')); else idle();`,
  );
  const r = await flint(t, ['--nproc-per-node', '2', file]).done;
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /failed: rank 1 \(local rank 1, pid \d+\) was killed by signal SIGKILL\n {2}rank 1 wrote nothing to stderr/);
  assert.ok(await gone(pidOf(dir, 0)), 'rank 0 is gone');
});

test('a process ignoring SIGTERM is killed (SIGKILL) after the grace period', T, async (t) => {
  const dir = workDir(t);
  const file = script(
    dir,
    'stubborn.cjs',
    `
if (process.env.RANK === '0') { process.on('SIGTERM', () => console.log('ignoring SIGTERM')); pid(); idle(); }
else { pid(); until('pid-0', () => process.exit(1)); }
`,
  );
  const r = await direct(t, { script: file, nprocPerNode: 2, graceMs: 200 }).done;
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /ignoring SIGTERM/);
  assert.ok(r.err.includes(`rank 0 (pid ${pidOf(dir, 0)}) did not stop within 0.2 s of SIGTERM: sending SIGKILL`), r.err);
  assert.match(
    r.err,
    /failed: rank 1 \(local rank 1, pid \d+\) exited with code 1[\s\S]*the others: rank 0 \(stopped\) was killed by signal SIGKILL/,
  );
  assert.ok(await gone(pidOf(dir, 0)), 'rank 0 is gone');
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} to the launcher reaches every process; the launcher waits for them and exits ${code}`, T, async (t) => {
    const dir = workDir(t);
    // as a Flint fit does on Ctrl-C: finish up, then exit 130 (here after writing a file)
    const file = script(
      dir,
      'signalled.cjs',
      `
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { fs.writeFileSync(path.join(dir, s + '-' + process.env.RANK), ''); setTimeout(() => process.exit(130), 50); });
pid();
idle();
`,
    );
    const run = flint(t, ['--nproc-per-node', '2', file]);
    await waitFor(dir, 'pid-0', 'pid-1');
    process.kill(run.pid, signal);
    const r = await run.done;
    assert.equal(r.code, code, r.err);
    assert.ok(existsSync(join(dir, `${signal}-0`)) && existsSync(join(dir, `${signal}-1`)), `both processes got ${signal}`);
    assert.match(r.err, new RegExp(`got ${signal}: passing it on to 2 processes`));
    assert.doesNotMatch(r.err, /failed/);
    assert.ok((await gone(pidOf(dir, 0))) && (await gone(pidOf(dir, 1))), 'both processes are gone');
  });
}

test("Ctrl-C at a terminal (SIGINT to the launcher's process group) reaches each process once, from the launcher", T, async (t) => {
  const dir = workDir(t);
  // each SIGINT appends a line; the processes leave a moment after the first, time for a second one to arrive
  const file = script(
    dir,
    'counted.cjs',
    `
process.on('SIGINT', () => { fs.appendFileSync(path.join(dir, 'SIGINT-' + process.env.RANK), 'SIGINT\\n'); setTimeout(() => process.exit(130), 300); });
pid();
idle();
`,
  );
  // the launcher leads its own process group, as a shell's foreground job does
  const run = flint(t, ['--nproc-per-node', '2', file], process.env, true);
  await waitFor(dir, 'pid-0', 'pid-1');
  process.kill(-run.pid, 'SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.err);
  for (const rank of [0, 1]) assert.equal(readFileSync(join(dir, `SIGINT-${rank}`), 'utf8'), 'SIGINT\n', `rank ${rank} got one SIGINT`);
});

test('flint launch refuses bad options before starting anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-launch-'));
  const file = join(dir, 's.cjs');
  writeFileSync(file, '');
  mkdirSync(join(dir, 'folder'));
  const cases: [object, RegExp][] = [
    [{ script: file, nprocPerNode: 0 }, /^flint launch: expected a positive integer for --nproc-per-node, got 0$/],
    [{ script: file, nprocPerNode: 1.5 }, /for --nproc-per-node, got 1.5$/],
    [
      { script: file, nnodes: 2, nodeRank: 2, masterAddr: 'h' },
      /^flint launch: expected an integer from 0 to 1 \(--nnodes 2\) for --node-rank, got 2$/,
    ],
    [{ script: file, nodeRank: -1 }, /expected an integer from 0 to 0 \(--nnodes 1\) for --node-rank, got -1$/],
    [{ script: file, masterPort: 70000 }, /^flint launch: expected a port number from 1 to 65535 for --master-port, got 70000$/],
    [{ script: file, masterPort: 0 }, /for --master-port, got 0$/],
    [
      { script: file, nnodes: 2, nodeRank: 1 },
      /expected the address of the machine with --node-rank 0 \(required with --nnodes 2\) for --master-addr, got none$/,
    ],
    [{ script: file, masterAddr: 'a b' }, /expected a host name or IP address for --master-addr, got "a b"$/],
    [{ script: join(dir, 'missing.js') }, /^flint launch: expected an existing script file for script, got ".*missing.js" \(no such file\)$/],
    [{ script: join(dir, 'folder') }, /expected a script file for script, got ".*folder" \(not a file\)$/],
    [{ script: file, args: [1] }, /expected an array of strings for args, got an array$/],
    [{ script: file, nproc: 2 }, /expected only the options script, args, .* for options, got "nproc"$/],
  ];
  for (const [options, want] of cases) {
    await assert.rejects(launch(options as never), (e: Error) => e instanceof ArgumentError && want.test(e.message), JSON.stringify(options));
  }
});

test('flint launch parses its options; what follows the script is passed through, options included', async () => {
  const p = await parse([
    'launch',
    '--nproc-per-node',
    '2',
    '--nnodes',
    '3',
    '--node-rank',
    '1',
    '--master-addr',
    'node0',
    '--master-port',
    '1234',
    'train.js',
    '--epochs',
    '3',
    '--help',
    '--',
    'x',
  ]);
  assert.deepEqual(p.calls, [
    [
      'launch',
      {
        script: 'train.js',
        args: ['--epochs', '3', '--help', '--', 'x'],
        nprocPerNode: 2,
        nnodes: 3,
        nodeRank: 1,
        masterAddr: 'node0',
        masterPort: 1234,
      },
    ],
  ]);
  assert.deepEqual((await parse(['launch', 'train.js'])).calls, [['launch', { script: 'train.js', args: [] }]]);
  const cases: [string[], RegExp][] = [
    [['launch', '--nproc-per-node', '0', 's.js'], /option '--nproc-per-node <n>' argument '0' is invalid. must be a positive integer, got '0'/],
    [['launch', '--node-rank', '-1', 's.js'], /argument '-1' is invalid. must be an integer >= 0, got '-1'/],
    [['launch', '--master-port', '65536', 's.js'], /argument '65536' is invalid. must be a port number from 1 to 65535, got '65536'/],
    [['launch', '--nproc', '2', 's.js'], /unknown option '--nproc'/],
    [['launch'], /missing required argument 'script'/],
  ];
  for (const [argv, want] of cases) {
    const r = await parse(argv);
    assert.ok(r.error, `${argv.join(' ')} fails`);
    assert.match(r.err, want, argv.join(' '));
    assert.equal(r.calls.length, 0);
  }
  assert.match((await parse(['launch', '--help'])).out, /^Usage: flint launch \[options\] <script> \[args\.\.\.\][\s\S]*--nproc-per-node <n>/);
});

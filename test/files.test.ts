// Files the Learner writes: saves and exports go through writeFileAtomic, which removes the temporary files of
// killed writers (and keeps those of live ones); folders are made without Node's recursive mkdir, so a path
// such as /proc/x fails at once with a message instead of spinning; a failed write leaves the old file intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintError, Learner, callbacks, data, models, nn, torch } from '../src/index.js';
import { ensureDir, writeFileAtomic } from '../src/torch/files.js';

function learner(path: string): Learner {
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), {
    batchSize: 4,
  });
  const l = new Learner(dls, models.createModel('mlp', { nIn: 3, nOut: 2, hidden: [4] }), { lossFunc: new nn.CrossEntropyLossFlat(), path });
  l.removeCb(callbacks.ProgressCallback);
  return l;
}
const temps = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.tmp'))
    .sort();

/** The pid of a process that has exited (a fresh child, waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test("a save killed mid-write leaves its temporary file; the next save removes it and keeps a live writer's", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-files-'));
  const models = join(dir, 'models');
  mkdirSync(models);
  // a writer killed while writing: a child opens its temporary file the way writeFileAtomic names it, then is killed
  const child = spawn(
    process.execPath,
    [
      '-e',
      `
    const { openSync, writeSync } = require('node:fs');
    const fd = openSync(${JSON.stringify(models)} + '/.m.safetensors.' + process.pid + '.1.tmp', 'w');
    writeSync(fd, 'half a file');
    console.log('WRITING');
    setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      if (String(d).includes('WRITING')) resolve();
    }),
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  // a hand-made stale one of another dead process, one of a live process, and one of another file
  const dead = `.m.safetensors.${deadPid()}.2.tmp`;
  writeFileSync(join(models, dead), 'x');
  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const liveTmp = `.m.safetensors.${live.pid}.3.tmp`;
  writeFileSync(join(models, liveTmp), 'x');
  writeFileSync(join(models, `.other.safetensors.${deadPid()}.4.tmp`), 'x');
  // another host's (a shared folder): its pid means nothing here, so it stays until it is a day old
  const foreignFresh = `.m.safetensors.${deadPid()}.6.hanother-host.tmp`;
  writeFileSync(join(models, foreignFresh), 'x');
  const foreignOld = `.m.safetensors.${deadPid()}.7.hanother-host.tmp`;
  writeFileSync(join(models, foreignOld), 'x');
  const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
  utimesSync(join(models, foreignOld), twoDaysAgo, twoDaysAgo);
  try {
    assert.equal(temps(models).length, 6);
    const l = learner(dir);
    assert.equal(l.save('m'), join(models, 'm.safetensors'));
    // the killed writer's and the dead one's are gone; the live writer's and the other file's stay
    assert.deepEqual(temps(models), [liveTmp, foreignFresh, temps(models).find((f) => f.startsWith('.other'))!].sort());
    l.load('m');
    // the export goes through the same path
    writeFileSync(join(dir, `.export.safetensors.${deadPid()}.5.tmp`), 'x');
    l.export();
    assert.deepEqual(temps(dir), []);
    assert.ok(existsSync(join(dir, 'export.safetensors')));
  } finally {
    live.kill('SIGKILL');
  }
});

test('folders that cannot be made fail at once with a message naming the call and the folder', () => {
  assert.throws(
    () => ensureDir('/proc/x/y', 'test'),
    (e: unknown) => e instanceof FlintError && /^test: cannot create the folder \/proc\/x\/y: /.test((e as Error).message),
  );
  const l = learner('/proc/x');
  assert.throws(() => l.save('m'), /^FlintError: Learner\.save: cannot create the folder \/proc\/x\/models: /m);
  assert.throws(() => l.export(), /^FlintError: Learner\.export: cannot create the folder \/proc\/x: /m);
  const dir = mkdtempSync(join(tmpdir(), 'flint-files-'));
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(
    () => learner(join(dir, 'file')).save('m'),
    /Learner\.save: cannot create the folder .*file\/models: .*file exists and is not a folder/,
  );
});

test('a write that fails leaves the old file intact and no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-files-'));
  const file = join(dir, 'a.bin');
  writeFileAtomic(file, Buffer.from('old'));
  // bytes whose length lies (10 claimed, 3 there): the write itself throws after the temporary file was opened
  const liar = new Uint8Array(3);
  Object.defineProperty(liar, 'length', { get: () => 10 });
  assert.throws(() => writeFileAtomic(file, liar, 'test'), /^FlintError: test: cannot write .*a\.bin: /m);
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(temps(dir), []);
});

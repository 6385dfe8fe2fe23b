// Host reads (toTypedArray, bytes) never crash: sizes past V8's limits are refused with an error naming the
// call, the size and the limit, before anything is allocated. The large cases run in a child process, so a
// crash (it used to be "free(): double free detected") fails the test instead of killing the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { torch } from '../src/index.js';
import { native as typedNative } from '../src/torch/native.js';

const native = typedNative as unknown as Record<string, (...args: unknown[]) => unknown>;
const index = new URL('../src/index.js', import.meta.url).href;
const nativeModule = new URL('../src/torch/native.js', import.meta.url).href;

/** Runs an ES module body in a fresh node; returns its exit status and what it printed. */
function child(body: string): { status: number | null; signal: string | null; out: string; err: string } {
  const code = `import { torch, FlintError } from ${JSON.stringify(index)};\n` + `import { native } from ${JSON.stringify(nativeModule)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** Makes `t` (torch.empty reserves the memory without touching it, so the child stays small), or prints
 * 'skip' and exits where the machine cannot even reserve that much. */
const reserve = (n: string) => `let t;\ntry { t = torch.empty([${n}], { dtype: 'uint8' }); } catch (e) { console.log('skip'); process.exit(0); }\n`;
// 2^32 + 1 uint8 elements: one past V8's TypedArray length limit.
const tooLong = reserve('2 ** 32 + 1');

/** The child prints one line per attempted read: the error's class and message, or 'ok'. */
const report = `const show = (f) => { try { f(); console.log('ok'); } catch (e) {
  console.log(JSON.stringify({ flint: e instanceof FlintError, name: e.name, message: e.message })); } };\n`;

test('toTypedArray of more elements than a TypedArray holds is an error naming it, the size and the limit', (ctx) => {
  const shows = 'show(() => t.toTypedArray());\nshow(() => native.toTypedArray(t._h, true));\nshow(() => native.toTypedArray(t._h, false));\n';
  const r = child(tooLong + report + shows);
  assert.equal(r.signal, null, `the child died: ${r.err}`);
  assert.equal(r.status, 0, r.err);
  if (r.out.trim() === 'skip') return ctx.skip('cannot reserve 4 GiB here');
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { flint: boolean; name: string; message: string });
  assert.equal(lines.length, 3);
  for (const e of lines) {
    assert.equal(e.flint, true, e.message);
    assert.match(e.message, /toTypedArray/);
    assert.match(e.message, /4294967297/);
    assert.match(e.message, /2\^32/);
  }
  // the native check is an argument error (the tensor is too large to read at once), not a libtorch failure
  assert.equal(lines[1]!.name, 'ArgumentError');
});

test('a tensor of exactly 2^32 bytes reads into one buffer', (ctx) => {
  // the largest external buffer Node makes (one byte more took the path that freed the data twice); a view,
  // so no byte of the untouched tensor is copied
  const r = child(`${reserve('2 ** 32')}const a = native.toTypedArray(t._h, true);
console.log(a.length, a.buffer.byteLength);`);
  assert.equal(r.signal, null, `the child died: ${r.err}`);
  assert.equal(r.status, 0, r.err);
  if (r.out.trim() === 'skip') return ctx.skip('cannot reserve 4 GiB here');
  assert.equal(r.out.trim(), '4294967296 4294967296');
});

test('reads are copies unless a view is asked for, and views keep the storage alive', () => {
  torch.tidy(() => {
    const t = torch.tensor([1, 2, 3]);
    const view = native.toTypedArray!(t._h, true) as Float32Array;
    const copy = native.toTypedArray!(t._h, false) as Float32Array;
    const raw = new Float32Array(native.bytes!(t._h) as ArrayBuffer);
    view[0] = 10;
    copy[1] = 20;
    raw[2] = 30;
    assert.deepEqual(t.toArray(), [10, 2, 3], 'only the view aliases the tensor');
    assert.deepEqual([...copy], [1, 20, 3]);
    assert.deepEqual([...raw], [1, 2, 30]);
    t.dispose();
    assert.deepEqual([...view], [10, 2, 3], 'the view outlives the disposed handle');
  });
});

test('every dtype reads back; empty and non-contiguous tensors too', () => {
  torch.tidy(() => {
    assert.deepEqual([...(native.toTypedArray!(torch.tensor([1.5, -2], { dtype: 'float16' })._h, true) as Float32Array)], [1.5, -2]);
    assert.deepEqual([...(native.toTypedArray!(torch.tensor([1.5, -2], { dtype: 'bfloat16' })._h, false) as Float32Array)], [1.5, -2]);
    assert.deepEqual([...(native.toTypedArray!(torch.tensor([true, false])._h, false) as Uint8Array)], [1, 0]);
    assert.deepEqual([...(native.toTypedArray!(torch.tensor([3n, -4n])._h, false) as BigInt64Array)], [3n, -4n]);
    assert.equal((native.toTypedArray!(torch.zeros([0, 3])._h, true) as Float32Array).length, 0);
    assert.equal((native.bytes!(torch.zeros([0])._h) as ArrayBuffer).byteLength, 0);
    const nc = torch.arange(6).reshape(2, 3).t();
    assert.deepEqual([...(native.toTypedArray!(nc._h, true) as BigInt64Array)], [0n, 3n, 1n, 4n, 2n, 5n]);
    assert.deepEqual([...new BigInt64Array(native.bytes!(nc._h) as ArrayBuffer)], [0n, 3n, 1n, 4n, 2n, 5n]);
  });
});

// torch.save / torch.load in safetensors: round trips, interop with an independent Python implementation of
// the published format, hostile files, and atomic writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch, ArgumentError, TorchError, type Tensor } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-st-'));
const refScript = fileURLToPath(new URL('../../test/fixtures/safetensors_ref.py', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('every dtype round-trips exactly, with metadata', () => {
  torch.tidy(() => {
    const record: Record<string, Tensor> = {};
    for (const dtype of torch.DTYPES)
      record[`t_${dtype}`] = torch.tensor(
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
        { dtype },
      );
    record.scalar = torch.tensor(2.5, { dtype: 'float64' });
    record.empty = torch.zeros([0, 4]);
    record.noncontiguous = torch.arange(6, { dtype: 'float32' }).reshape(2, 3).t();
    const path = join(dir, 'all.safetensors');
    torch.save(record, path, { metadata: { epoch: '3' } });
    const { tensors, metadata } = torch.loadWithMetadata(path);
    assert.deepEqual({ ...metadata }, { epoch: '3' });
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(record).sort());
    for (const [k, t] of Object.entries(record)) {
      assert.equal(tensors[k]!.dtype, t.dtype, k);
      assert.deepEqual([...tensors[k]!.shape], [...t.shape], k);
      assert.ok(tensors[k]!.equal(t), k);
    }
  });
});

test('reads a file laid out by an independent Python writer', () => {
  torch.tidy(() => {
    const path = join(dir, 'from-python.safetensors');
    execFileSync(python, [refScript, 'write', path]);
    const { tensors, metadata } = torch.loadWithMetadata(path);
    assert.deepEqual({ ...metadata }, { written_by: 'safetensors_ref.py' });
    assert.deepEqual(tensors.f64!.toArray(), [
      [1.5, -2.25],
      [1e-300, 3],
    ]);
    assert.deepEqual(tensors.f32!.toArray(), [0.5, -1, 65504]);
    assert.deepEqual(tensors.f16!.toArray(), [0.5, -2]);
    assert.equal(tensors.f16!.dtype, 'float16');
    assert.deepEqual(tensors.bf16!.toArray(), [1, -3]);
    assert.equal(tensors.bf16!.dtype, 'bfloat16');
    assert.deepEqual(Array.from(tensors.i64!.toTypedArray() as BigInt64Array), [-(2n ** 62n), 7n]);
    assert.deepEqual(tensors.i32!.toArray(), [[-5, 2147483647]]);
    assert.deepEqual(tensors.i16!.toArray(), [-300, 300]);
    assert.deepEqual(tensors.i8!.toArray(), [-128, 127]);
    assert.deepEqual(tensors.u8!.toArray(), [0, 255]);
    assert.deepEqual(tensors.bool!.toArray(), [true, false, true]);
    assert.equal(tensors.scalar!.item(), 42);
    assert.deepEqual([...tensors.empty!.shape], [0, 3]);
  });
});

test("the independent Python reader accepts Flint's files and sees the same values", () => {
  torch.tidy(() => {
    const path = join(dir, 'for-python.safetensors');
    torch.save(
      {
        w: torch.tensor(
          [
            [1.5, -2],
            [0.25, 8],
          ],
          { dtype: 'float64' },
        ),
        h: torch.tensor([0.5, -2], { dtype: 'float16' }),
        b: torch.tensor([1, -3], { dtype: 'bfloat16' }),
        n: torch.tensor([-(2n ** 40n), 5n]),
        flag: torch.tensor([true, false]),
        u: torch.tensor([200, 3], { dtype: 'uint8' }),
        s: torch.tensor(7, { dtype: 'int32' }),
      },
      path,
      { metadata: { note: 'flint' } },
    );
    const seen = JSON.parse(execFileSync(python, [refScript, 'read', path], { encoding: 'utf8' }));
    assert.deepEqual(seen.metadata, { note: 'flint' });
    assert.deepEqual(seen.tensors.w, { dtype: 'F64', shape: [2, 2], values: [1.5, -2, 0.25, 8] });
    assert.deepEqual(seen.tensors.h, { dtype: 'F16', shape: [2], values: [0.5, -2] });
    assert.deepEqual(seen.tensors.b, { dtype: 'BF16', shape: [2], values: [1, -3] });
    assert.deepEqual(seen.tensors.n, { dtype: 'I64', shape: [2], values: [-(2 ** 40), 5] });
    assert.deepEqual(seen.tensors.flag, { dtype: 'BOOL', shape: [2], values: [true, false] });
    assert.deepEqual(seen.tensors.u, { dtype: 'U8', shape: [2], values: [200, 3] });
    assert.deepEqual(seen.tensors.s, { dtype: 'I32', shape: [], values: [7] });
  });
});

/** A file from a header object and a data region. */
function craft(header: unknown, data = Buffer.alloc(0), lengthOverride?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}
const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
const hostile: [string, Buffer, RegExp][] = [
  ['empty file', Buffer.alloc(0), /too short for the 8-byte header length/],
  ['truncated length', Buffer.alloc(5), /too short/],
  ['header length past the end', craft(ok, Buffer.alloc(8), 10_000n), /runs past the end of the file/],
  ['absurd header length', craft(ok, Buffer.alloc(8), 2n ** 63n), /exceeds the 100000000-byte limit/],
  ['header not JSON', craft('{"a": nope}'), /header is not valid JSON/],
  ['header not an object', craft('[1, 2]'), /does not start with a JSON object/],
  ['unknown dtype', craft({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, Buffer.alloc(1)), /unknown or unsupported dtype "F8_E4M3"/],
  ['missing dtype', craft({ a: { shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /unknown or unsupported dtype undefined/],
  [
    'negative shape',
    craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)),
    /shape must be an array of non-negative integers/,
  ],
  ['offsets reversed', craft({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, Buffer.alloc(8)), /data_offsets must be \[begin, end\]/],
  ['offsets out of bounds', craft({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)), /run past the data \(8 bytes\)/],
  [
    'size does not match shape',
    craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)),
    /8 bytes for shape \[3\] of F32, which needs 12/,
  ],
  [
    'overlapping tensors',
    craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)),
    /overlaps the tensor before it/,
  ],
  ['gap between tensors', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)), /gap in the data before tensor "a"/],
  ['trailing bytes', craft(ok, Buffer.alloc(12)), /cover 8 bytes but the data region has 12/],
  ['non-string metadata', craft({ __metadata__: { epoch: 3 }, ...ok }, Buffer.alloc(8)), /__metadata__ 'epoch' is not a string/],
  ['metadata not an object', craft({ __metadata__: ['a'], ...ok }, Buffer.alloc(8)), /__metadata__ must be an object of strings/],
  ['header a JSON string', craft('"abc"'), /does not start with a JSON object/],
  ['header truncated mid-JSON', craft('{"a": {"dtype": "F32"'), /header is not valid JSON/],
  ['entry not an object', craft({ a: [1, 2] }), /tensor "a": entry is not an object/],
  [
    'duplicate tensor names',
    craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', Buffer.alloc(8)),
    /names "a" twice/,
  ],
  [
    'duplicate metadata keys',
    craft('{"__metadata__":{"k":"1","k":"2"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', Buffer.alloc(8)),
    /names "k" twice/,
  ],
  ['negative offsets', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, Buffer.alloc(4)), /data_offsets must be \[begin, end\]/],
  [
    'fractional shape',
    craft({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, Buffer.alloc(4)),
    /shape must be an array of non-negative integers/,
  ],
  [
    'a byte count that overflows',
    craft({ a: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, Buffer.alloc(8)),
    /needs more bytes than any file holds/,
  ],
  [
    'a byte count that overflows to a small number',
    craft(
      { a: { dtype: 'U8', shape: [2 ** 53 - 1, 2 ** 53 - 1, 0], data_offsets: [0, 0] }, b: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } },
      Buffer.alloc(1),
    ),
    /needs more bytes than any file holds/,
  ],
];
for (const [what, bytes, pattern] of hostile) {
  test(`a malformed file is refused with a clear error: ${what}`, () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, bytes);
    assert.throws(
      () => torch.load(path),
      (e: unknown) => e instanceof TorchError && pattern.test(e.message) && e.message.includes(path) && e.message.startsWith('torch.load: '),
    );
  });
}

test('names from a file never reach object prototypes: __proto__, constructor and toString are tensors like any other', () => {
  torch.tidy(() => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const header = Object.fromEntries(names.map((n, i) => [n, { dtype: 'F32', shape: [1], data_offsets: [4 * i, 4 * i + 4] }]));
    // JSON.stringify keeps an own '__proto__' key; Object.fromEntries makes it an own key too
    const data = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    const path = join(dir, 'proto.safetensors');
    writeFileSync(path, craft({ __metadata__: JSON.parse('{"__proto__": "m", "toString": "t"}'), ...header }, data));
    const { tensors, metadata } = torch.loadWithMetadata(path);
    assert.equal(Object.getPrototypeOf(tensors), null);
    assert.deepEqual(Object.keys(tensors), names);
    names.forEach((n, i) => assert.deepEqual(tensors[n]!.toArray(), [i + 1], n));
    assert.equal(Object.getPrototypeOf(metadata), null);
    assert.deepEqual(Object.entries(metadata), [
      ['__proto__', 'm'],
      ['toString', 't'],
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // and they save back under the same names
    const again = join(dir, 'proto-again.safetensors');
    torch.save(tensors, again, { metadata });
    const back = torch.loadWithMetadata(again);
    assert.deepEqual(Object.keys(back.tensors).sort(), [...names].sort());
    // biome-ignore lint/suspicious/noProto: a tensor named __proto__, read back as an own key (not the accessor)
    assert.deepEqual(back.tensors.__proto__!.toArray(), [1]);
    // biome-ignore lint/suspicious/noProto: likewise the metadata key __proto__
    assert.equal(back.metadata.__proto__, 'm');
  });
});

test('bad arguments to save and load are ArgumentErrors naming the function and the argument', () => {
  torch.tidy(() => {
    const t = torch.ones(2);
    const cases: [() => unknown, RegExp][] = [
      [() => torch.load(0 as never), /^torch\.load: expected a file path \(a non-empty string\) for path, got 0$/],
      [() => torch.load(join(dir, 'all.safetensors'), { device: 5 } as never), /^torch\.load: expected a device such as .* for opts\.device, got 5$/],
      [() => torch.loadWithMetadata('', {}), /^torch\.loadWithMetadata: expected a file path/],
      [() => torch.save({ a: t }, null as never), /^torch\.save: expected a file path .* for path, got null$/],
      [() => torch.save(null as never, join(dir, 'x.safetensors')), /^torch\.save: expected a record of tensors .* got null$/],
      [
        () => torch.save({ a: t }, join(dir, 'x.safetensors'), { metadata: { k: 1n } } as never),
        /^torch\.save: expected a string for opts\.metadata\["k"\], got 1n/,
      ],
      [
        () => torch.save({ a: t }, join(dir, 'x.safetensors'), { meta: {} } as never),
        /^torch\.save: expected one of the options metadata for opts\.meta/,
      ],
      [() => torch.safetensors.deserialize('abc' as never), /^torch\.safetensors\.deserialize: expected a Buffer or Uint8Array for buf, got "abc"$/],
    ];
    for (const [call, pattern] of cases) assert.throws(call, (e: unknown) => e instanceof ArgumentError && pattern.test(e.message), String(pattern));
    assert.ok(!existsSync(join(dir, 'x.safetensors')), 'no file was written');
  });
});

test('a missing file names the path', () => {
  assert.throws(() => torch.load(join(dir, 'nope.safetensors')), /load: cannot read .*nope\.safetensors/);
});

test('save is atomic: a failed save leaves the old file intact and no temporary files', () => {
  torch.tidy(() => {
    const path = join(dir, 'atomic.safetensors');
    torch.save({ a: torch.ones(3) }, path);
    const before = readFileSync(path);
    assert.throws(() => torch.save({ a: torch.ones(3), b: 'not a tensor' as never }, path), /torch\.save: expected a tensor for tensors\["b"\]/);
    assert.deepEqual(readFileSync(path), before);
    // a folder that cannot be made (its parent is a file): the error names save and the folder
    assert.throws(
      () => torch.save({ a: torch.ones(1) }, join(path, 'sub', 'x.safetensors')),
      /torch\.save: cannot create the folder .*is not a folder/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    torch.save({ a: torch.zeros(3) }, path);
    assert.deepEqual(torch.load(path).a!.toArray(), [0, 0, 0]);
  });
});

// The IDX format of MNIST and Fashion-MNIST (gzip or not): a big-endian header (two zero bytes, a type code,
// the number of dimensions, each dimension as uint32), then the values, big-endian.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

const TYPES: Record<number, { dtype: torch.DType; size: number; array: new (b: ArrayBuffer) => ArrayBufferView }> = {
  0x08: { dtype: 'uint8', size: 1, array: Uint8Array },
  0x09: { dtype: 'int8', size: 1, array: Int8Array },
  0x0b: { dtype: 'int16', size: 2, array: Int16Array },
  0x0c: { dtype: 'int32', size: 4, array: Int32Array },
  0x0d: { dtype: 'float32', size: 4, array: Float32Array },
  0x0e: { dtype: 'float64', size: 8, array: Float64Array },
};

function fail(file: string, msg: string): never {
  throw new torch.TorchError(`IDX file ${file}: ${msg}`);
}

/** Parses IDX bytes (gunzipped already or not) into a tensor of the file's own dtype. */
export function parseIdx(raw: Uint8Array, file = 'buffer'): Tensor {
  let buf = raw;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      fail(file, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) fail(file, `only ${buf.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf[0] !== 0 || buf[1] !== 0) fail(file, `bad magic number: the first two bytes must be 0, got ${buf[0]} ${buf[1]}`);
  const type = TYPES[buf[2]!];
  if (!type) fail(file, `unknown data type code 0x${buf[2]!.toString(16).padStart(2, '0')} in the magic number`);
  const ndim = buf[3]!;
  if (ndim === 0) fail(file, 'zero dimensions in the magic number');
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) fail(file, `truncated header: ${ndim} dimensions need ${headerLen} bytes, the file has ${buf.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const numel = shape.reduce((a, b) => a * b, 1);
  const need = headerLen + numel * type.size;
  if (buf.length !== need) {
    fail(file, `${buf.length < need ? 'truncated' : 'trailing bytes'}: shape [${shape.join(', ')}] of ${type.dtype} needs ${need} bytes, the file has ${buf.length}`);
  }
  // a copy of the values, byte-swapped from big-endian to this machine's order by Node's native swaps
  const bytes = Buffer.from(buf.subarray(headerLen, need));
  if (type.size === 2) bytes.swap16();
  else if (type.size === 4) bytes.swap32();
  else if (type.size === 8) bytes.swap64();
  const values = new type.array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return torch.fromTypedArray(values, shape);
}

/** Reads an IDX file (optionally gzipped). */
export function readIdx(path: string): Tensor {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new torch.TorchError(`IDX file ${path}: cannot read it (${(e as Error).message})`);
  }
  return parseIdx(raw, path);
}

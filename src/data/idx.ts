// The IDX format of MNIST and Fashion-MNIST (gzip or not): a big-endian header (two zero bytes, a type code,
// the number of dimensions, each dimension as uint32), then the values, big-endian.
import { readFileSync } from 'node:fs';
import { constants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkString, describe, fail as refuse } from '../torch/validate.js';
import { checkPath } from './check.js';

// biome-ignore-start lint/complexity/useSimpleNumberKeys: the type codes as the IDX format's documentation writes them
const TYPES: Record<number, { dtype: torch.DType; size: number; array: new (b: ArrayBuffer) => ArrayBufferView }> = {
  0x08: { dtype: 'uint8', size: 1, array: Uint8Array },
  0x09: { dtype: 'int8', size: 1, array: Int8Array },
  0x0b: { dtype: 'int16', size: 2, array: Int16Array },
  0x0c: { dtype: 'int32', size: 4, array: Int32Array },
  0x0d: { dtype: 'float32', size: 4, array: Float32Array },
  0x0e: { dtype: 'float64', size: 8, array: Float64Array },
};
// biome-ignore-end lint/complexity/useSimpleNumberKeys: the type codes above

/** Parses IDX bytes (gunzipped already or not) into a tensor of the file's own dtype. */
export function parseIdx(raw: Uint8Array, file = 'buffer'): Tensor {
  if (!(raw instanceof Uint8Array)) refuse('data.parseIdx', 'raw', 'a Uint8Array or Buffer of IDX bytes', raw);
  checkString('data.parseIdx', 'file', file);
  return parseBytes('data.parseIdx', raw, file);
}

interface Header {
  type: (typeof TYPES)[number];
  shape: number[];
  headerLen: number;
  need: number;
}

/** The header of IDX bytes (all of a file, or the start of one), checked. */
function readHeader(buf: Uint8Array, fail: (msg: string) => never): Header {
  if (buf.length < 4) fail(`only ${buf.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf[0] !== 0 || buf[1] !== 0) fail(`bad magic number: the first two bytes must be 0, got ${buf[0]} ${buf[1]}`);
  const type = TYPES[buf[2]!];
  if (!type) fail(`unknown data type code 0x${buf[2]!.toString(16).padStart(2, '0')} in the magic number`);
  const ndim = buf[3]!;
  if (ndim === 0) fail('zero dimensions in the magic number');
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) fail(`truncated header: ${ndim} dimensions need ${headerLen} bytes, the file has ${buf.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  // exact while below 2^53; beyond it no file can hold the data anyway
  const numel = shape.reduce((a, b) => a * b, 1);
  const need = headerLen + numel * type!.size;
  if (!Number.isSafeInteger(need)) fail(`shape [${shape.join(', ')}] of ${type!.dtype} claims more data than any file can hold`);
  return { type: type!, shape, headerLen, need };
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : describe(e));

/** Gunzips IDX bytes, unpacking no more than the header claims (plus one byte, to see trailing data), so that a
 * small "gzip bomb" cannot exhaust memory. */
function gunzip(raw: Uint8Array, fail: (msg: string) => never): Uint8Array {
  let limit = Math.min(constants.MAX_LENGTH, 2 ** 32);
  let h: Header | null = null;
  try {
    // the start of the stream, flushed as far as it goes: enough for the header
    const start = gunzipSync(raw.subarray(0, 1 << 16), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    if (start.length >= 4 && start.length >= 4 + 4 * start[3]!) h = readHeader(start, fail);
  } catch (e) {
    if (e instanceof torch.FlintError) throw e;
    fail(`corrupt gzip data (${errText(e)})`);
  }
  if (h) {
    if (h.need + 1 > limit) fail(`shape [${h.shape.join(', ')}] of ${h.type.dtype} needs ${h.need} bytes, more than can be unpacked at once`);
    limit = h.need + 1;
  }
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && h) {
      fail(`trailing bytes: shape [${h.shape.join(', ')}] of ${h.type.dtype} needs ${h.need} bytes, the unpacked data has more`);
    }
    return fail(`corrupt gzip data (${errText(e)})`);
  }
}

function parseBytes(fn: string, raw: Uint8Array, file: string): Tensor {
  const fail: (msg: string) => never = (msg) => {
    throw new torch.FlintError(`${fn}: IDX file ${file}: ${msg}`);
  };
  const buf = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzip(raw, fail) : raw;
  const { type, shape, headerLen, need } = readHeader(buf, fail);
  if (buf.length !== need) {
    fail(
      `${buf.length < need ? 'truncated' : 'trailing bytes'}: shape [${shape.join(', ')}] of ${type.dtype} needs ${need} bytes, the file has ${buf.length}`,
    );
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
  const fn = 'data.readIdx';
  checkPath(fn, 'path', path);
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new torch.FlintError(`${fn}: IDX file ${path}: cannot read it (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
  }
  return parseBytes(fn, raw, path);
}

// torch.save / torch.load in the safetensors format (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
// Files are written atomically; every field of a file read is checked before any byte is used.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './files.js';
import { native } from './native.js';
import { type DType, ITEM_SIZE, dtypeCode } from './dtype.js';
import { TorchError } from './errors.js';
import { Tensor, wrap } from './tensor.js';

export { writeFileAtomic };

const TO_ST: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int8: 'I8', uint8: 'U8', int16: 'I16',
  int32: 'I32', int64: 'I64', bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));
// The reference implementation refuses larger headers; so do we (a hostile length cannot make us allocate).
const MAX_HEADER = 100_000_000;

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function fail(source: string, msg: string): never {
  throw new TorchError(`safetensors ${source}: ${msg}`, { op: 'load' });
}

/** Serializes tensors (and optional string metadata) to safetensors bytes. */
export function serialize(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  if (tensors === null || typeof tensors !== 'object') throw new TorchError('save: expected a record of tensors', { op: 'save' });
  const names = Object.keys(tensors);
  for (const n of names) {
    if (!(tensors[n] instanceof Tensor)) throw new TorchError(`save: '${n}' is not a Tensor`, { op: 'save' });
    if (n === '__metadata__') throw new TorchError("save: '__metadata__' is reserved as a tensor name", { op: 'save' });
  }
  // Largest element size first, then by name (as the reference writer does), so every tensor stays aligned.
  names.sort((a, b) => ITEM_SIZE[tensors[b]!.dtype] - ITEM_SIZE[tensors[a]!.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TorchError(`save: metadata '${k}' must be a string`, { op: 'save' });
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const n of names) {
    const t = tensors[n]!;
    const bytes = new Uint8Array(t._bytes());
    header[n] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((8 + Buffer.byteLength(json)) % 8)) % 8;
  json += ' '.repeat(pad);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...chunks]);
}

/** Parses and validates safetensors bytes; returns the header entries in file order and the data region. */
export function parseHeader(buf: Uint8Array, source = 'buffer'): {
  entries: [string, SafetensorsEntry][]; metadata: Record<string, string>; dataStart: number;
} {
  if (buf.length < 8) fail(source, `file is ${buf.length} bytes, too short for the 8-byte header length`);
  const n = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) fail(source, `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > buf.length) fail(source, `header length ${headerLen} runs past the end of the file (${buf.length} bytes)`);
  const text = Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8');
  if (!text.startsWith('{')) fail(source, 'header does not start with a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail(source, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `__metadata__ '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as Partial<SafetensorsEntry> | null;
    if (e === null || typeof e !== 'object') fail(source, `tensor '${name}': entry is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in FROM_ST)) {
      fail(source, `tensor '${name}': unknown or unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(FROM_ST).join(', ')})`);
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(source, `tensor '${name}': shape must be an array of non-negative integers`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(source, `tensor '${name}': data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    if (off[1] > dataLen) fail(source, `tensor '${name}': data_offsets [${off[0]}, ${off[1]}] run past the data (${dataLen} bytes)`);
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const need = numel * ITEM_SIZE[FROM_ST[e.dtype]!];
    if (off[1] - off[0] !== need) {
      fail(source, `tensor '${name}': ${off[1] - off[0]} bytes for shape [${e.shape.join(', ')}] of ${e.dtype}, which needs ${need}`);
    }
    entries.push([name, { dtype: e.dtype, shape: e.shape, data_offsets: [off[0], off[1]] }]);
  }
  // The data region must be tiled exactly: no overlap, no gap, nothing left over.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let end = 0;
  for (const [name, e] of sorted) {
    if (e.data_offsets[0] !== end) {
      fail(source, e.data_offsets[0] < end ? `tensor '${name}' overlaps the tensor before it (offset ${e.data_offsets[0]} < ${end})`
        : `gap in the data before tensor '${name}' (offset ${e.data_offsets[0]}, expected ${end})`);
    }
    end = e.data_offsets[1];
  }
  if (end !== dataLen) fail(source, `the tensors cover ${end} bytes but the data region has ${dataLen}`);
  return { entries, metadata, dataStart };
}

/** Builds tensors from safetensors bytes. */
export function deserialize(buf: Uint8Array, opts: { device?: string; source?: string } = {}): {
  tensors: Record<string, Tensor>; metadata: Record<string, string>;
} {
  const source = opts.source ?? 'buffer';
  const { entries, metadata, dataStart } = parseHeader(buf, source);
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [name, e] of entries) {
      const dtype = FROM_ST[e.dtype]!;
      let bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]);
      if (bytes.byteOffset % ITEM_SIZE[dtype] !== 0) bytes = new Uint8Array(bytes);  // an aligned copy
      tensors[name] = wrap(native.fromTyped(bytes, dtypeCode(dtype), e.shape, dtypeCode(dtype), opts.device ?? 'cpu'));
    }
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/** Saves tensors to a .safetensors file (readable by Python's safetensors), atomically. */
export function save(tensors: Record<string, Tensor>, path: string, opts: { metadata?: Record<string, string> } = {}): void {
  writeFileAtomic(path, serialize(tensors, opts.metadata), 'torch.save');
}

/** Loads every tensor of a .safetensors file. */
export function load(path: string, opts: { device?: string } = {}): Record<string, Tensor> {
  return loadWithMetadata(path, opts).tensors;
}

export function loadWithMetadata(path: string, opts: { device?: string } = {}): {
  tensors: Record<string, Tensor>; metadata: Record<string, string>;
} {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new TorchError(`load: cannot read ${path}: ${(e as Error).message}`, { op: 'load', cause: e });
  }
  return deserialize(buf, { device: opts.device, source: path });
}

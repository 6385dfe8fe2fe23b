// torch.save / torch.load in the safetensors format (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
// Files are written atomically; every field of a file read is checked before any byte is used.
import { readFileSync } from 'node:fs';
import { writeFileAtomic as writeAs } from './files.js';
import { native } from './native.js';
import { type DType, ITEM_SIZE, dtypeCode } from './dtype.js';
import { TorchError } from './errors.js';
import { Tensor, wrap } from './tensor.js';
import { checkOptions, checkString, checkTensor, fail as argFail, describe, checkDevice, named } from './validate.js';

export { writeFileAtomic } from './files.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int8: 'I8',
  uint8: 'U8',
  int16: 'I16',
  int32: 'I32',
  int64: 'I64',
  bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));
// The reference implementation refuses larger headers; so do we (a hostile length cannot make us allocate).
const MAX_HEADER = 100_000_000;

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A malformed file: a TorchError naming the function called and the file (or 'buffer'). */
function fail(fn: string, source: string, msg: string): never {
  throw new TorchError(`${fn}: ${source}: ${msg}`, { op: 'load' });
}

/** A record keyed by names from a file or a caller: no prototype, so a name such as `__proto__`,
 * `constructor` or `toString` is an own entry like any other and never reaches Object.prototype. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * The first name that appears twice in one JSON object of a header, or null. JSON.parse keeps the last of
 * duplicate keys in silence; a file whose tensors shadow each other is malformed. Run on text JSON.parse
 * has accepted, so it only tracks strings and nesting.
 */
function duplicateKey(text: string): string | null {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b)
      stack.push({ keys: new Set(), expectKey: true }); // {
    else if (c === 0x5b)
      stack.push({ keys: null, expectKey: false }); // [
    else if (c === 0x7d || c === 0x5d)
      stack.pop(); // } ]
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } // ,
    else if (c === 0x22) {
      // "
      const begin = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(begin, i + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
    }
  }
  return null;
}

/** A record of tensors to save, checked for the public function fn. */
function checkRecord(fn: string, tensors: unknown): [string, Tensor][] {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || tensors instanceof Tensor) {
    argFail(fn, 'tensors', 'a record of tensors { name: tensor }', tensors);
  }
  const entries = Object.entries(tensors as Record<string, unknown>);
  for (const [n, t] of entries) {
    if (n === '__metadata__') argFail(fn, 'tensors', "no tensor named '__metadata__' (the name is reserved)", n);
    checkTensor(fn, `tensors[${JSON.stringify(n)}]`, t);
  }
  return entries as [string, Tensor][];
}

function checkMetadata(fn: string, metadata: unknown, arg: string): Record<string, string> | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof Tensor) {
    argFail(fn, arg, 'a record of strings', metadata);
  }
  const out = record<string>();
  for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
    if (typeof v !== 'string') argFail(fn, `${arg}[${JSON.stringify(k)}]`, 'a string', v);
    out[k] = v;
  }
  return out;
}

function serializeAs(fn: string, tensors: Record<string, Tensor>, metadata: unknown, metaArg: string): Buffer {
  const entries = checkRecord(fn, tensors);
  const meta = checkMetadata(fn, metadata, metaArg);
  // Largest element size first, then by name (as the reference writer does), so every tensor stays aligned.
  entries.sort(([a, ta], [b, tb]) => ITEM_SIZE[tb.dtype] - ITEM_SIZE[ta.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header = record<unknown>();
  if (meta) header.__metadata__ = meta;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [n, t] of entries) {
    const bytes = new Uint8Array(named(fn, () => t._bytes()));
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

/** Serializes tensors (and optional string metadata) to safetensors bytes. */
export function serialize(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  return serializeAs('torch.safetensors.serialize', tensors, metadata, 'metadata');
}

/** Parses and validates safetensors bytes; returns the header entries in file order and the data region. */
export function parseHeader(
  buf: Uint8Array,
  source = 'buffer',
): {
  entries: [string, SafetensorsEntry][];
  metadata: Record<string, string>;
  dataStart: number;
} {
  const fn = 'torch.safetensors.parseHeader';
  if (!(buf instanceof Uint8Array)) argFail(fn, 'buf', 'a Buffer or Uint8Array', buf);
  return parseAs(fn, buf, checkString(fn, 'source', source));
}

function parseAs(
  fn: string,
  buf: Uint8Array,
  source: string,
): {
  entries: [string, SafetensorsEntry][];
  metadata: Record<string, string>;
  dataStart: number;
} {
  if (buf.length < 8) fail(fn, source, `file is ${buf.length} bytes, too short for the 8-byte header length`);
  const n = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) fail(fn, source, `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > buf.length) fail(fn, source, `header length ${headerLen} runs past the end of the file (${buf.length} bytes)`);
  const text = Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8');
  if (!text.startsWith('{')) fail(fn, source, 'header does not start with a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(fn, source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail(fn, source, 'header is not a JSON object');
  const dup = duplicateKey(text);
  if (dup !== null) fail(fn, source, `the header names ${JSON.stringify(dup)} twice (a file's names must be unique)`);
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata = record<string>();
  const entries: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const what = `tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(fn, source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(fn, source, `__metadata__ '${k}' is not a string (it is ${describe(v)})`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as Partial<SafetensorsEntry> | null;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) fail(fn, source, `${what}: entry is not an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(FROM_ST, e.dtype)) {
      fail(
        fn,
        source,
        `${what}: unknown or unsupported dtype ${typeof e.dtype === 'string' ? JSON.stringify(e.dtype) : describe(e.dtype)} (supported: ${Object.keys(FROM_ST).join(', ')})`,
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(fn, source, `${what}: shape must be an array of non-negative integers`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(fn, source, `${what}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    if (off[1] > dataLen) fail(fn, source, `${what}: data_offsets [${off[0]}, ${off[1]}] run past the data (${dataLen} bytes)`);
    // the byte count, checked at every step (as the reference reader does): a product that overflows on the way
    // may come back to a small number when a later dimension is 0
    let need = ITEM_SIZE[FROM_ST[e.dtype]!];
    for (const d of e.shape) {
      need *= d;
      if (!Number.isSafeInteger(need)) fail(fn, source, `${what}: shape [${e.shape.join(', ')}] of ${e.dtype} needs more bytes than any file holds`);
    }
    if (off[1] - off[0] !== need) {
      fail(fn, source, `${what}: ${off[1] - off[0]} bytes for shape [${e.shape.join(', ')}] of ${e.dtype}, which needs ${need}`);
    }
    entries.push([name, { dtype: e.dtype, shape: e.shape, data_offsets: [off[0], off[1]] }]);
  }
  // The data region must be tiled exactly: no overlap, no gap, nothing left over.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let end = 0;
  for (const [name, e] of sorted) {
    if (e.data_offsets[0] !== end) {
      fail(
        fn,
        source,
        e.data_offsets[0] < end
          ? `tensor ${JSON.stringify(name)} overlaps the tensor before it (offset ${e.data_offsets[0]} < ${end})`
          : `gap in the data before tensor ${JSON.stringify(name)} (offset ${e.data_offsets[0]}, expected ${end})`,
      );
    }
    end = e.data_offsets[1];
  }
  if (end !== dataLen) fail(fn, source, `the tensors cover ${end} bytes but the data region has ${dataLen}`);
  return { entries, metadata, dataStart };
}

/** Builds tensors from safetensors bytes. The records have no prototype (every name is an own entry). */
export function deserialize(
  buf: Uint8Array,
  opts?: { device?: string; source?: string },
): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const fn = 'torch.safetensors.deserialize';
  if (!(buf instanceof Uint8Array)) argFail(fn, 'buf', 'a Buffer or Uint8Array', buf);
  const o = checkOptions(fn, opts, ['device', 'source'], 'opts');
  const source = o.source === undefined || o.source === null ? 'buffer' : checkString(fn, 'opts.source', o.source);
  return deserializeAs(fn, buf, deviceOpt(fn, o.device), source);
}

function deviceOpt(fn: string, d: unknown): string {
  return d === undefined || d === null ? 'cpu' : checkDevice(fn, 'opts.device', d);
}

function deserializeAs(
  fn: string,
  buf: Uint8Array,
  device: string,
  source: string,
): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const { entries, metadata, dataStart } = parseAs(fn, buf, source);
  const tensors = record<Tensor>();
  try {
    for (const [name, e] of entries) {
      const dtype = FROM_ST[e.dtype]!;
      let bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]);
      if (bytes.byteOffset % ITEM_SIZE[dtype] !== 0) bytes = new Uint8Array(bytes); // an aligned copy
      tensors[name] = named(fn, () => wrap(native.fromTyped(bytes, dtypeCode(dtype), e.shape, dtypeCode(dtype), device)));
    }
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/** A path argument: a non-empty string (a number would be read as a file descriptor, 0 being stdin). */
function checkPath(fn: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') argFail(fn, 'path', 'a file path (a non-empty string)', path);
  return path;
}

/** Saves tensors to a .safetensors file (readable by Python's safetensors), atomically. */
export function save(tensors: Record<string, Tensor>, path: string, opts?: { metadata?: Record<string, string> }): void {
  const fn = 'torch.save';
  checkPath(fn, path);
  const o = checkOptions(fn, opts, ['metadata'], 'opts');
  writeAs(path, serializeAs(fn, tensors, o.metadata, 'opts.metadata'), fn);
}

/** Loads every tensor of a .safetensors file (a record without prototype: every name is an own entry). */
export function load(path: string, opts?: { device?: string }): Record<string, Tensor> {
  return loadAs('torch.load', path, opts).tensors;
}

export function loadWithMetadata(
  path: string,
  opts?: { device?: string },
): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  return loadAs('torch.loadWithMetadata', path, opts);
}

function loadAs(fn: string, path: unknown, opts: unknown): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  checkPath(fn, path);
  const o = checkOptions(fn, opts as { device?: string } | undefined, ['device'], 'opts');
  const device = deviceOpt(fn, o.device);
  let buf: Buffer;
  try {
    buf = readFileSync(path as string);
  } catch (e) {
    throw new TorchError(`${fn}: cannot read ${path as string}: ${(e as Error).message}`, { op: 'load', cause: e });
  }
  return deserializeAs(fn, buf, device, path as string);
}

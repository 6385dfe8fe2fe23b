// TensorBoard's messages (Event, Summary, HistogramProto, the hparams plugin's data), encoded with protobufjs from
// TensorBoard's own .proto files (assets/tensorboard/proto), filled as torch.utils.tensorboard fills them.
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { describe, fail, isTensorLike } from '../torch/validate.js';
import { encodePng } from '../plot/png.js';
import { isFloating } from '../torch/dtype.js';

// dist/src/tensorboard/summary.js -> <package>/assets/tensorboard/proto
const PROTO_DIR = fileURLToPath(new URL('../../../assets/tensorboard/proto/', import.meta.url));

interface Types {
  Event: protobuf.Type;
  HParamsPluginData: protobuf.Type;
}
let types: Types | null = null;

function protoTypes(): Types {
  if (types) return types;
  const root = new protobuf.Root();
  // the files import each other by their paths in the TensorBoard repository; here they lie side by side
  // (google/protobuf/struct.proto is protobufjs's own copy)
  root.resolvePath = (_origin, target) => join(PROTO_DIR, basename(target));
  try {
    root.loadSync(['event.proto', 'plugin_data.proto']);
    types = { Event: root.lookupType('tensorboard.Event'), HParamsPluginData: root.lookupType('tensorboard.hparams.HParamsPluginData') };
  } catch (e) {
    throw new FlintError(`tensorboard: cannot load TensorBoard's .proto files from ${PROTO_DIR}: ${(e as Error).message}`, { cause: e });
  }
  return types;
}

/** A Summary.Value, as protobufjs takes it (camelCase field names). */
export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  histo?: Histogram;
  image?: { height: number; width: number; colorspace: number; encodedImageString: Uint8Array };
  metadata?: { pluginData: { pluginName: string; content: Uint8Array } };
}

/** An Event's bytes: the first of a file carries fileVersion, the others a summary. */
export function encodeEvent(e: { wallTime: number; step?: number; fileVersion?: string; summary?: { value: SummaryValue[] } }): Uint8Array {
  const { Event } = protoTypes();
  return Event.encode(Event.fromObject(e)).finish();
}

// ---------------------------------------------------------------- histograms

/** HistogramProto's fields. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

// SummaryWriter's default_bins: 0 and ±1e-12 * 1.1^k below 1e20, made by the same repeated products
const POSITIVE: number[] = [];
for (let v = 1e-12; v < 1e20; v *= 1.1) POSITIVE.push(v);
const K = POSITIVE.length;
const EDGES = Float64Array.from([...POSITIVE.map((v) => -v).reverse(), 0, ...POSITIVE]);
const NBINS = EDGES.length - 1;

/**
 * torch.utils.tensorboard's histogram of `values` (make_histogram with its default bins): numpy.histogram's
 * counts over the default edges, computed by libtorch on the tensor's device (a log gives each element's bin, one
 * comparison with the exact edges corrects it, bincount counts), read in one host read, then trimmed to the
 * non-empty range with an empty bucket before it.
 */
export function histogram(fn: string, values: Tensor): Histogram {
  if (!isTensorLike(values)) fail(fn, 'values', 'a tensor', values);
  const n = values.numel();
  if (n === 0) fail(fn, 'values', 'a tensor with at least one element', values);
  if (values.dtype === 'bool' || values.dtype.startsWith('complex')) fail(fn, 'values', 'a tensor of real numbers', values);
  const read = torch.tidy(() => {
    const x = values.detach().flatten().to('float64');
    const edges = torch.tensor(EDGES, { device: x.device });
    // numpy leaves out what lies outside the edges (and NaN)
    const valid = x.ge(EDGES[0]!).logicalAnd(x.le(EDGES[NBINS]!));
    const v = torch.where(valid, x, 0);
    // |v| in [1e-12 * 1.1^k, 1e-12 * 1.1^(k+1)): bin K + 1 + k above 0, K - 2 - k below ([-e, -e') bins)
    const k = v
      .abs()
      .div(1e-12)
      .log()
      .div(Math.log(1.1))
      .floor()
      .clamp(-1, K - 1);
    const approx = torch
      .where(v.ge(0), k.add(K + 1), k.neg().add(K - 2))
      .clamp(0, NBINS - 1)
      .long();
    const lo = edges.gather(0, approx);
    const hi = edges.gather(0, approx.add(1));
    // the last bin is closed on the right, as numpy's
    const up = v
      .ge(hi)
      .logicalAnd(approx.lt(NBINS - 1))
      .long();
    const bin = approx
      .sub(v.lt(lo).long())
      .add(up)
      .clamp(0, NBINS - 1);
    const counts = torch
      .where(valid, bin, NBINS)
      .bincount(null, NBINS + 1)
      .narrow(0, 0, NBINS)
      .to('float64');
    const stats = torch.stack([x.min(), x.max(), x.sum(), x.dot(x)]);
    return torch.cat([stats, counts]).cpu().toTypedArray() as Float64Array;
  });
  const counts = read.subarray(4);
  let first = -1;
  let last = -1;
  for (let i = 0; i < NBINS; i++) {
    if (counts[i]! > 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) throw new FlintError(`${fn}: no value of ${describe(values)} is a finite number within ±1e20 to count`);
  // TensorBoard keeps right edges only: an empty bucket before the first count carries the left edge
  const bucket = first > 0 ? Array.from(counts.subarray(first - 1, last + 1)) : [0, ...counts.subarray(0, last + 1)];
  const bucketLimit = Array.from(EDGES.subarray(first, last + 2));
  return { min: read[0]!, max: read[1]!, num: n, sum: read[2]!, sumSquares: read[3]!, bucketLimit, bucket };
}

// ---------------------------------------------------------------- images

/** A Summary.Image of a CHW image (uint8, or floating in [0, 1] scaled by 255 and clipped, as SummaryWriter does):
 * PNG bytes and the colorspace of its channel count (1 grey, 3 RGB, 4 RGBA). */
export function image(fn: string, img: Tensor): NonNullable<SummaryValue['image']> {
  if (!isTensorLike(img) || img.ndim !== 3 || ![1, 3, 4].includes(img.shape[0]!) || img.shape[1]! < 1 || img.shape[2]! < 1) {
    fail(fn, 'img', 'an image tensor [C, H, W] with 1, 3 or 4 channels', img);
  }
  const floating = isFloating(img.dtype);
  if (img.dtype !== 'uint8' && !floating) fail(fn, 'img', 'a uint8 tensor, or a floating one with values in [0, 1]', img);
  const [c, h, w] = img.shape as [number, number, number];
  const pixels = torch.tidy(() => {
    const bytes = floating ? img.detach().to('float32').mul(255).clamp(0, 255).to('uint8') : img.detach();
    return bytes.permute(1, 2, 0).contiguous().cpu().toTypedArray() as Uint8Array;
  });
  return { height: h, width: w, colorspace: c, encodedImageString: encodePng(pixels, w, h, c as 1 | 3 | 4) };
}

/** A Summary.Image of PNG bytes, its size read from the PNG header. */
export function pngImage(fn: string, png: Uint8Array): NonNullable<SummaryValue['image']> {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 26 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR') fail(fn, 'png', 'PNG bytes', png);
  // colour type: 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA
  const colorspace = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[b[25]!] ?? 3;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colorspace, encodedImageString: png };
}

// ---------------------------------------------------------------- hparams

export type HParamValue = number | string | boolean;

// tensorboard.plugins.hparams.metadata
const PLUGIN_NAME = 'hparams';
export const EXPERIMENT_TAG = '_hparams_/experiment';
export const SESSION_START_INFO_TAG = '_hparams_/session_start_info';
export const SESSION_END_INFO_TAG = '_hparams_/session_end_info';

function pluginValue(tag: string, data: Record<string, unknown>): SummaryValue {
  const { HParamsPluginData } = protoTypes();
  // version 0 (PLUGIN_DATA_VERSION), the default, so not written
  const content = HParamsPluginData.encode(HParamsPluginData.fromObject(data)).finish();
  return { tag, metadata: { pluginData: { pluginName: PLUGIN_NAME, content } } };
}

/** Checks hyper-parameters: a plain object of numbers, strings and booleans. */
export function checkHparams(fn: string, arg: string, hparams: unknown): Record<string, HParamValue> {
  if (hparams === null || typeof hparams !== 'object' || Array.isArray(hparams) || isTensorLike(hparams)) {
    fail(fn, arg, 'an object of hyper-parameters (numbers, strings or booleans by name)', hparams);
  }
  for (const [k, v] of Object.entries(hparams as object)) {
    if (k === '') fail(fn, arg, 'non-empty hyper-parameter names', k);
    if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v)))) {
      fail(fn, `${arg}.${k}`, 'a number, a string or a boolean', v);
    }
  }
  return hparams as Record<string, HParamValue>;
}

function protoValue(v: HParamValue): Record<string, unknown> {
  return typeof v === 'number' ? { numberValue: v } : typeof v === 'string' ? { stringValue: v } : { boolValue: v };
}

/** The experiment summary: each hyper-parameter's name and type, each metric's tag (as hparams() writes it). */
export function hparamsExperiment(hparams: Record<string, HParamValue>, metricTags: readonly string[]): SummaryValue {
  const type = (v: HParamValue): string =>
    typeof v === 'number' ? 'DATA_TYPE_FLOAT64' : typeof v === 'string' ? 'DATA_TYPE_STRING' : 'DATA_TYPE_BOOL';
  return pluginValue(EXPERIMENT_TAG, {
    experiment: {
      hparamInfos: Object.entries(hparams).map(([name, v]) => ({ name, type: type(v) })),
      metricInfos: metricTags.map((tag) => ({ name: { tag } })),
    },
  });
}

/** The session's start: its hyper-parameter values. */
export function hparamsSessionStart(hparams: Record<string, HParamValue>, startTimeSecs: number): SummaryValue {
  const values = Object.fromEntries(Object.entries(hparams).map(([k, v]) => [k, protoValue(v)]));
  return pluginValue(SESSION_START_INFO_TAG, { sessionStartInfo: { hparams: values, startTimeSecs } });
}

/** The session's end: its status. */
export function hparamsSessionEnd(status: 'STATUS_SUCCESS' | 'STATUS_FAILURE', endTimeSecs: number): SummaryValue {
  return pluginValue(SESSION_END_INFO_TAG, { sessionEndInfo: { status, endTimeSecs } });
}

// Image decoding: JPEG, PNG and WebP bytes to a uint8 [C, H, W] tensor, decoded by the addon on a libuv worker
// thread (libjpeg-turbo, libpng, libwebp), so the event loop keeps running while images decode.
import { FlintError } from './errors.js';
import { native } from './native.js';
import type { Handle } from './native-api.js';
import { Tensor } from './tensor.js';
import { checkOneOf, checkOptions, fail } from './validate.js';

/** How the channels come out: 'RGB' (the default, as fastai's PIL images: grey repeated, alpha dropped),
 * 'L' (grey; colour as Pillow's luma), 'RGBA' (alpha 255 where the file has none), or 'unchanged' (the
 * file's own channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; palettes expanded, tRNS as alpha). */
export type ImageMode = 'RGB' | 'L' | 'RGBA' | 'unchanged';
export const IMAGE_MODES: readonly ImageMode[] = ['RGB', 'L', 'RGBA', 'unchanged'];

export interface DecodeImageOptions {
  /** The channels of the result (default 'RGB'). */
  mode?: ImageMode;
}

/** What the header says, without decoding the pixels (width and height upright, after EXIF orientation). */
export interface ImageInfo {
  format: 'jpeg' | 'png' | 'webp';
  width: number;
  height: number;
  /** The channels mode 'unchanged' gives. */
  channels: number;
  /** The EXIF orientation (1..8, JPEG only; 1 when absent). */
  orientation: number;
}

/** Image bytes that could not be decoded (corrupt, truncated, an unknown format, or too large). */
export class ImageDecodeError extends FlintError {
  /** 'JPEG', 'PNG', 'WebP' or 'unknown'. */
  format: string;
  /** The decoder's reason, e.g. "Premature end of JPEG file". */
  reason: string;
  /** The file, when the bytes came from one. */
  path?: string;

  constructor(message: string, format: string, reason: string, path?: string) {
    super(message);
    this.name = 'ImageDecodeError';
    this.format = format;
    this.reason = reason;
    if (path !== undefined) this.path = path;
  }
}

function checkBytes(fn: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(fn, 'buffer', 'a Buffer or Uint8Array of image bytes', v);
  return v as Uint8Array;
}

export function checkMode(fn: string, opts: unknown): ImageMode {
  const o = checkOptions(fn, opts as DecodeImageOptions | undefined, ['mode'], 'opts');
  return o.mode === undefined ? 'RGB' : checkOneOf(fn, 'opts.mode', o.mode, IMAGE_MODES);
}

/** The addon's decode error as an ImageDecodeError naming fn (and the file). */
export function decodeError(fn: string, e: unknown, path?: string): unknown {
  if (!(e instanceof Error) || e instanceof FlintError) return e;
  const fields = e as Error & { format?: unknown; reason?: unknown };
  const format = typeof fields.format === 'string' ? fields.format : 'unknown';
  const reason = typeof fields.reason === 'string' ? fields.reason : e.message;
  const what = path === undefined ? 'the image' : JSON.stringify(path);
  const kind = format === 'unknown' ? '' : ` as ${format}`;
  return new ImageDecodeError(`${fn}: cannot decode ${what}${kind}: ${reason}`, format, reason, path);
}

/** Decodes into a tensor of class cls (Tensor, or a typed one such as data.TensorImage) for fn. The bytes are
 * copied before the call returns, so the caller may reuse the buffer at once. */
export async function decodeImageAs<T extends Tensor>(
  fn: string,
  cls: new (h: Handle) => T,
  bytes: Uint8Array,
  mode: ImageMode,
  path?: string,
): Promise<T> {
  let h: Handle;
  try {
    h = await native.decodeImage(bytes, mode);
  } catch (e) {
    throw decodeError(fn, e, path);
  }
  // made here, after the await, so the tensor belongs to the caller's current scope
  return new cls(h);
}

/** The header of image bytes for fn (throws ImageDecodeError when it is not a readable JPEG, PNG or WebP). */
export function imageInfoOf(fn: string, bytes: Uint8Array, path?: string): ImageInfo {
  try {
    return native.imageInfo(bytes);
  } catch (e) {
    throw decodeError(fn, e, path);
  }
}

/**
 * Decodes JPEG, PNG or WebP bytes into a uint8 tensor [C, H, W] off the JS thread (as torchvision's
 * decode_image). JPEG EXIF orientations are applied (the result is upright). Rejects with an ImageDecodeError
 * for corrupt, truncated or unknown data, and for images over 2^28 pixels.
 */
export function decodeImage(buffer: Uint8Array, opts?: DecodeImageOptions): Promise<Tensor> {
  const fn = 'torch.decodeImage';
  try {
    const bytes = checkBytes(fn, buffer);
    const mode = checkMode(fn, opts);
    return decodeImageAs(fn, Tensor, bytes, mode);
  } catch (e) {
    return Promise.reject(e);
  }
}

export { checkBytes };

// Reading images for vision: files or bytes to data.TensorImage (uint8 [C, H, W], as fastai's PILImage turned
// into a tensor), decoded off the JS thread by the addon (see src/torch/image.ts).
import { open, readFile } from 'node:fs/promises';
import { TensorImage } from '../data/typed.js';
import { FlintError } from '../torch/errors.js';
import { checkBytes, checkMode, decodeImageAs, type DecodeImageOptions, type ImageInfo, imageInfoOf } from '../torch/image.js';
import { checkPath, describe, fail } from '../torch/validate.js';

export type { DecodeImageOptions, ImageInfo, ImageMode } from '../torch/image.js';

async function readBytes(fn: string, path: string, limit?: number): Promise<Buffer> {
  try {
    if (limit === undefined) return await readFile(path);
    const f = await open(path, 'r');
    try {
      const buf = Buffer.alloc(limit);
      const { bytesRead } = await f.read(buf, 0, limit, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await f.close();
    }
  } catch (e) {
    throw new FlintError(`${fn}: cannot read the image file ${JSON.stringify(path)} (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
  }
}

/** Reads and decodes a JPEG, PNG or WebP file: a TensorImage uint8 [C, H, W] (mode 'RGB' by default).
 * Errors name the file: an unreadable file a FlintError, undecodable bytes an ImageDecodeError. */
export async function readImage(path: string, opts?: DecodeImageOptions): Promise<TensorImage> {
  const fn = 'vision.readImage';
  const p = checkPath(fn, 'path', path);
  const mode = checkMode(fn, opts);
  const bytes = await readBytes(fn, p);
  return decodeImageAs(fn, TensorImage, bytes, mode, p);
}

/** Decodes JPEG, PNG or WebP bytes: a TensorImage uint8 [C, H, W]. */
export async function decodeImage(buffer: Uint8Array, opts?: DecodeImageOptions): Promise<TensorImage> {
  const fn = 'vision.decodeImage';
  const bytes = checkBytes(fn, buffer);
  const mode = checkMode(fn, opts);
  return decodeImageAs(fn, TensorImage, bytes, mode);
}

// Enough for the header of nearly every file (a JPEG's EXIF block, with its thumbnail, is at most 64 KiB);
// a header further in is found by reading the whole file.
const HEADER_BYTES = 256 * 1024;

/** The format, upright width and height, channels and EXIF orientation of an image file or bytes, from its
 * header alone (no pixel is decoded). */
export async function imageSize(source: string | Uint8Array): Promise<ImageInfo> {
  const fn = 'vision.imageSize';
  if (source instanceof Uint8Array) return imageInfoOf(fn, source);
  if (typeof source !== 'string') fail(fn, 'source', 'a file path or a Buffer of image bytes', source);
  const p = checkPath(fn, 'source', source);
  const head = await readBytes(fn, p, HEADER_BYTES);
  if (head.length < HEADER_BYTES) return imageInfoOf(fn, head, p);
  try {
    return imageInfoOf(fn, head, p);
  } catch {
    return imageInfoOf(fn, await readBytes(fn, p), p);
  }
}

// PNG encoding of pixels for pictures (image grids): the format's chunks around node's zlib (deflate and crc32).
// Nothing here decodes images; decoding is the addon's (libjpeg-turbo, libpng, libwebp).
import { crc32, deflateSync } from 'node:zlib';
import { checkInt, fail } from '../torch/validate.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG colour types by channel count: grey, grey + alpha, RGB, RGBA
const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit PNG of `pixels` (row-major, channels interleaved: height x width x channels bytes). */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4): Buffer {
  const fn = 'plot.encodePng';
  checkInt(fn, 'width', width, { min: 1, max: 1 << 20 });
  checkInt(fn, 'height', height, { min: 1, max: 1 << 20 });
  if (COLOR_TYPE[channels] === undefined) fail(fn, 'channels', '1, 2, 3 or 4', channels);
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height * channels) {
    fail(fn, 'pixels', `a Uint8Array of ${width} x ${height} x ${channels} bytes`, pixels);
  }
  const stride = width * channels;
  // each row starts with its filter type (0: none)
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE[channels]!;
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

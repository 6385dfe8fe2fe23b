// Reading back the PNGs Flint writes (plot.encodePng: 8-bit, unfiltered rows, one IDAT chunk) with zlib, so tests
// compare the pixels of pictures with the images they show.
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

export interface Png {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

/** The pixels of one PNG (row-major, channels interleaved). */
export function readPng(png: Buffer): Png {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[png[25]!]!;
  const idat = png.indexOf('IDAT', 0, 'latin1');
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  return { width, height, channels, pixels };
}

/** The PNGs embedded in an SVG (plot.imageGridSvg's data URLs), in order. */
export function embeddedPngs(svg: string): Png[] {
  return [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => readPng(Buffer.from(m[1]!, 'base64')));
}

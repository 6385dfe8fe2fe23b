// CRC-32C (Castagnoli), the checksum of TFRecord files, and TFRecord's masked form of it (a CRC stored next to
// the bytes it covers is masked, so a file of CRCs does not checksum to itself).
import { fail } from '../torch/validate.js';

// reflected polynomial 0x1EDC6F41, one entry per byte value
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32C of `bytes` (an unsigned 32-bit integer). */
export function crc32c(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) fail('tensorboard.crc32c', 'bytes', 'a Uint8Array (or Buffer)', bytes);
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's mask of a CRC: rotated right by 15 bits, plus a constant (mod 2^32). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The masked CRC-32C of `bytes`, as TFRecord stores it. */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc(crc32c(bytes));
}

// Pillow's BILINEAR resize (Image.resize, as fastai's item transforms call it on PIL images), reproduced exactly on
// uint8 [C, H, W] tensors: Pillow's Resample.c filter weights (the support widens with the downscale factor, which
// antialiases), rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and clipped to
// uint8. The integer sums are exact in float64, so the result is bit-for-bit Pillow's. Internal: callers validate.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
// at most this many float64 elements gathered at once (the taps of a large downscale are many)
const CHUNK = 1 << 22;

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1): for each output pixel,
 * `ksize` source indices and integer weights (unused taps point at the first source with weight 0). */
function coefficients(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array; ksize: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * ksize);
  const weight = new Float64Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) casts: toward zero
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < n; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterscale);
      k[x] = t < 1 ? 1 - t : 0;
      ww += k[x]!;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < n && ww !== 0 ? k[x]! / ww : 0;
      index[xx * ksize + x] = x < n ? xmin + x : xmin;
      weight[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
  }
  return { index, weight, ksize };
}

/** One pass along dim 1 of a uint8 [C, L, M], to uint8 [C, outSize, M]: the taps are gathered as uint8 (along dim 1,
 * not the last: gathering whole rows is several times faster), then summed in float64. */
function pass(x: Tensor, outSize: number): Tensor {
  const { index, weight, ksize } = coefficients(x.shape[1]!, outSize);
  const idx = torch.fromTypedArray(index, [index.length]).to('int64');
  const wt = torch.fromTypedArray(weight, [outSize, ksize, 1]);
  const [c, , m] = x.shape as [number, number, number];
  // chunk along M so the gathered taps stay small
  const step = Math.max(1, Math.floor(CHUNK / (c * outSize * ksize)));
  const parts: Tensor[] = [];
  for (let s = 0; s < m; s += step) {
    const len = Math.min(step, m - s);
    const piece = len === m ? x : x.narrow(2, s, len);
    parts.push(piece.indexSelect(1, idx).reshape([c, outSize, ksize, len]).to('float64').mul(wt).sum(2));
  }
  const sums = parts.length === 1 ? parts[0]! : torch.cat(parts, 2);
  // Pillow: (sum + 2^21) >> 22, clipped to [0, 255]
  return sums
    .add(ONE / 2)
    .div(ONE)
    .floor()
    .clamp(0, 255)
    .to('uint8');
}

/** Pillow's Image.resize((w, h), BILINEAR) of a uint8 [C, H, W] tensor to [C, size[0], size[1]]; the same size is
 * a copy (as Pillow's). */
export function resizePil(img: Tensor, size: readonly [number, number]): Tensor {
  const [, h, w] = img.shape as [number, number, number];
  if (h === size[0] && w === size[1]) return img.clone().contiguous();
  return torch.tidy(() => {
    let x = img;
    // Pillow's order: the horizontal pass (on [C, W, H]), then the vertical one
    if (w !== size[1]) x = pass(x.transpose(1, 2).contiguous(), size[1]).transpose(1, 2).contiguous();
    if (h !== size[0]) x = pass(x, size[0]);
    return x;
  });
}

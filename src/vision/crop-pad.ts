// The geometry under fastai's item transforms, on uint8 [C, H, W] tensors: fastai's `crop_pad` (crop the part of a
// box inside the image, pad the rest as numpy's np.pad does for PIL images) and the bilinear resize.
// Internal: callers validate their arguments first.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export type PadMode = 'reflection' | 'zeros' | 'border';
export const PAD_MODES: readonly PadMode[] = ['reflection', 'zeros', 'border'];

/** A box in image coordinates; it may reach outside the image (that part is padded). */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** The source index of padded position i (relative to a piece of length n) as np.pad's 'reflect' (periodic, edge
 * not repeated) or 'edge' mode gives it. */
function sourceIndex(i: number, n: number, mode: 'reflection' | 'border'): number {
  if (mode === 'border' || n === 1) return Math.min(Math.max(i, 0), n - 1);
  const period = 2 * (n - 1);
  const k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

/** Pads one axis of x (length n) by `before` and `after`. */
function padAxis(x: Tensor, dim: number, before: number, after: number, mode: PadMode): Tensor {
  if (before === 0 && after === 0) return x;
  const n = x.shape[dim]!;
  if (mode === 'zeros') {
    const pads = dim === 2 ? [before, after, 0, 0] : [0, 0, before, after];
    return torch.functional.pad(x, pads, 'constant', 0);
  }
  const idx = new Int32Array(before + n + after);
  for (let j = 0; j < idx.length; j++) idx[j] = sourceIndex(j - before, n, mode);
  return x.indexSelect(dim, torch.fromTypedArray(idx, [idx.length]).to('int64'));
}

/** fastai's crop_pad: the part of `box` inside the image, cropped, then padded out to the box's size. */
export function cropPad(img: Tensor, box: Box, mode: PadMode): Tensor {
  const [, h, w] = img.shape as [number, number, number];
  const top0 = Math.max(box.top, 0);
  const left0 = Math.max(box.left, 0);
  const bottom = Math.min(box.top + box.height, h);
  const right = Math.min(box.left + box.width, w);
  let x = img;
  if (top0 !== 0 || bottom !== h) x = x.narrow(1, top0, bottom - top0);
  if (left0 !== 0 || right !== w) x = x.narrow(2, left0, right - left0);
  // fastai pads (left, top, right, bottom) = (-tl).max(0), (sz - orig + tl).max(0)
  x = padAxis(x, 1, Math.max(-box.top, 0), Math.max(box.top + box.height - h, 0), mode);
  x = padAxis(x, 2, Math.max(-box.left, 0), Math.max(box.left + box.width - w, 0), mode);
  return x;
}

/** Bilinear resize (align_corners=False) of uint8 [C, H, W] to [C, h, w], computed in float32 then rounded (half to
 * even, as torch.round) and clamped back to uint8. At the same size it is a contiguous copy (the result never aliases the input). */
export function resizeBilinear(img: Tensor, size: readonly [number, number]): Tensor {
  if (img.shape[1] === size[0] && img.shape[2] === size[1]) return img.clone().contiguous();
  const out = torch.functional.interpolate(img.unsqueeze(0).float(), { size: [size[0], size[1]], mode: 'bilinear', alignCorners: false });
  return out.round().clamp(0, 255).to('uint8').squeeze(0);
}

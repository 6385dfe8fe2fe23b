// 3x3 matrices per image, as (N, 3, 3) tensors built from per-image scalars (tensors [N]), and fastai's warp in
// closed form. fastai's find_coeffs solves an 8x8 system (torch.linalg.solve) for the perspective map from the
// warped corners to the square's; the same map is the inverse of Heckbert's square-to-quad homography, which needs
// only elementwise ops on [N] tensors, so it runs on the batch's device with no solver and no host read.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** fastai's affine_mat: rows [m0 m1 m2], [m3 m4 m5], [0 0 1], as (N, 3, 3). */
export function affineMat(m: readonly [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]): Tensor {
  const zero = torch.zerosLike(m[0]);
  const one = torch.onesLike(m[0]);
  return torch.stack([torch.stack([m[0], m[1], m[2]], 1), torch.stack([m[3], m[4], m[5]], 1), torch.stack([zero, zero, one], 1)], 1);
}

type M3 = Tensor[][];

/** The adjugate of a 3x3 matrix of [N] tensors (the inverse up to scale, which a homography ignores). */
function adjugate(m: M3): M3 {
  const e = (i: number, j: number): Tensor => m[i]![j]!;
  const cof = (i: number, j: number): Tensor => {
    const r = [0, 1, 2].filter((k) => k !== i);
    const c = [0, 1, 2].filter((k) => k !== j);
    const d = e(r[0]!, c[0]!)
      .mul(e(r[1]!, c[1]!))
      .sub(e(r[0]!, c[1]!).mul(e(r[1]!, c[0]!)));
    return (i + j) % 2 === 0 ? d : d.neg();
  };
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cof(j, i)));
}

/**
 * fastai's _WarpCoord coefficients for per-image magnitudes xt, yt ([N]): the homography C (N, 3, 3), c22 = 1,
 * with C·(warped corner) = square corner for the corners (−1,−1)→(−1−yt, −1−xt), (−1,1)→(−1+yt, 1+xt),
 * (1,−1)→(1+yt, −1+xt), (1,1)→(1−yt, 1−xt).
 */
export function warpHomography(xt: Tensor, yt: Tensor): Tensor {
  // Heckbert's unit-square-to-quad map Q, corners (s,t) = (0,0), (1,0), (1,1), (0,1) going to the warped images
  // of (−1,−1), (1,−1), (1,1), (−1,1); for these quads Σx = −4yt, Σy = −4xt and the two perspective terms reduce to
  // g = 2xt / (1 − xt − yt), h = 2yt / (1 − xt − yt).
  const den = xt.add(yt).neg().add(1);
  const g = xt.mul(2).div(den);
  const h = yt.mul(2).div(den);
  const a = yt.add(1).mul(g.add(2));
  const b = yt.mul(2).add(h.mul(yt.sub(1)));
  const c = yt.add(1).neg();
  const d = xt.mul(2).add(g.mul(xt.sub(1)));
  const e = xt.add(1).mul(h.add(2));
  const f = xt.add(1).neg();
  // square coords (u, v) = (2s − 1, 2t − 1): the square-to-quad map is Q·N with N = [[½,0,½],[0,½,½],[0,0,1]]
  const col2 = (p: Tensor, q: Tensor, r: Tensor): Tensor => p.add(q).mul(0.5).add(r);
  const one = torch.onesLike(xt);
  const qn: M3 = [
    [a.mul(0.5), b.mul(0.5), col2(a, b, c)],
    [d.mul(0.5), e.mul(0.5), col2(d, e, f)],
    [g.mul(0.5), h.mul(0.5), col2(g, h, one)],
  ];
  const inv = adjugate(qn);
  const c22 = inv[2]![2]!;
  return torch.stack(
    inv.map((row) =>
      torch.stack(
        row.map((v) => v.div(c22)),
        1,
      ),
    ),
    1,
  );
}

// Grids of images with captions (fastai's show_batch, show_results, plot_top_losses) as SVG, each image embedded
// as a PNG; writeChart renders the grid to PNG as well.
import type { Tensor } from '../torch/index.js';
import * as torch from '../torch/index.js';
import { checkArray, checkInt, checkOptions, checkString, checkTensor, fail } from '../torch/validate.js';
import { encodePng } from './png.js';
import { escapeXml } from './svg.js';

export interface GridCell {
  /** One image [C, H, W] (C 1 or 3), values in [0, 1] (floating point) or [0, 255] (uint8). */
  image: Tensor;
  /** Caption lines under the image. */
  caption?: string[];
  /** The caption's colour (fastai draws wrong predictions red). */
  color?: string;
}

/** Each image (the last three dims [C, H, W] of x) scaled to [0, 1] by its own range: how a picture shows inputs
 * whose normalisation it cannot undo. */
export function unitRange(x: Tensor): Tensor {
  const f = x.float();
  const lo = f.amin([-3, -2, -1], true);
  return f.sub(lo).div(f.amax([-3, -2, -1], true).sub(lo).add(1e-12));
}

/** The image's pixels as bytes, height x width x channels. */
function pixels(fn: string, t: Tensor): { data: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  checkTensor(fn, 'image', t);
  if (t.ndim !== 3 || (t.shape[0] !== 1 && t.shape[0] !== 3)) fail(fn, 'image', 'an image [C, H, W] with 1 or 3 channels', t);
  const [c, height, width] = t.shape as [1 | 3, number, number];
  const data = torch.tidy(() => {
    const bytes = t.dtype === 'uint8' ? t : t.float().mul(255).round().clamp(0, 255).to({ dtype: 'uint8' });
    return new Uint8Array(bytes.permute([1, 2, 0]).contiguous().cpu().toTypedArray() as Uint8Array);
  });
  return { data, width, height, channels: c };
}

/** The images in rows of `cols`, each shown at `size` pixels (its longer side), captions below. */
export function imageGridSvg(cells: GridCell[], options: { cols?: number; size?: number; title?: string } = {}): string {
  const fn = 'plot.imageGridSvg';
  const list = checkArray<GridCell>(fn, 'cells', cells, 'an array of { image, caption, color }');
  if (list.length === 0) fail(fn, 'cells', 'at least one image', cells);
  list.forEach((cell, i) => {
    if (cell === null || typeof cell !== 'object') fail(fn, `cells[${i}]`, 'an object { image, caption, color }', cell);
    if (cell.caption !== undefined) checkArray<string>(fn, `cells[${i}].caption`, cell.caption, 'an array of caption lines');
    if (cell.color !== undefined) checkString(fn, `cells[${i}].color`, cell.color);
  });
  const o = checkOptions(fn, options, ['cols', 'size', 'title'], 'options');
  const cols =
    o.cols === undefined ? Math.min(list.length, Math.ceil(Math.sqrt(list.length))) : checkInt(fn, 'options.cols', o.cols, { min: 1, max: 100 });
  const size = o.size === undefined ? 128 : checkInt(fn, 'options.size', o.size, { min: 8, max: 1024 });
  if (o.title !== undefined) checkString(fn, 'options.title', o.title);
  const lines = Math.max(0, ...list.map((c) => c.caption?.length ?? 0));
  const cellW = size + 16;
  const cellH = size + 8 + 16 * lines + 8;
  const top = o.title ? 28 : 0;
  const rows = Math.ceil(list.length / cols);
  const parts: string[] = [];
  if (o.title)
    parts.push(`<text x="${(cols * cellW) / 2}" y="20" text-anchor="middle" font-family="sans-serif" font-size="16">${escapeXml(o.title)}</text>`);
  list.forEach((cell, i) => {
    const px = pixels(fn, cell.image);
    const scale = size / Math.max(px.width, px.height);
    const w = Math.round(px.width * scale);
    const h = Math.round(px.height * scale);
    const x0 = (i % cols) * cellW + 8 + (size - w) / 2;
    const y0 = top + Math.floor(i / cols) * cellH + 8;
    const href = `data:image/png;base64,${encodePng(px.data, px.width, px.height, px.channels).toString('base64')}`;
    // pixelated: small images (28x28) are enlarged as blocks, not blurred
    parts.push(`<image x="${x0}" y="${y0}" width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${href}"/>`);
    (cell.caption ?? []).forEach((line, k) => {
      checkString(fn, `cells[${i}].caption[${k}]`, line);
      parts.push(
        `<text x="${(i % cols) * cellW + cellW / 2}" y="${y0 + size + 16 * (k + 1)}" text-anchor="middle" font-family="sans-serif" font-size="12"` +
          ` fill="${escapeXml(cell.color ?? 'black')}">${escapeXml(line)}</text>`,
      );
    });
  });
  const width = cols * cellW;
  const height = top + rows * cellH;
  return (
    `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`
  );
}

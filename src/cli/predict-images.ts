// `flint predict` on image files for an image export: each image read, resized to the export's item shape as
// fastai's validation Resize does (a centre crop to the aspect, then a resize), then the export's preprocessing
// (to float, / divisor, normalised) as in training.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { data, torch, vision, type Tensor } from '../index.js';

/** The images of an input: a folder's (every image below it, sorted), one image file, or null for another file
 * (an IDX file of images). */
export function imageFiles(input: string): string[] | null {
  const st = statSync(input, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    const files = vision.getImageFiles(input);
    if (files.length === 0) throw new torch.FlintError(`predict: no images (.jpg, .jpeg, .png, .webp) below ${JSON.stringify(input)}`);
    return files;
  }
  return vision.imageExtensions.has(extname(input).toLowerCase()) ? [input] : null;
}

const MODES: Record<number, vision.ImageMode> = { 1: 'L', 3: 'RGB', 4: 'RGBA' };

/** The model inputs [N, C, H, W] of image files. */
export async function imageFilesInputs(prep: data.ImagePreprocessing, files: string[]): Promise<Tensor> {
  const [c, h, w] = prep.itemShape as [number, number, number];
  const mode = MODES[c];
  if (prep.itemShape.length !== 3 || mode === undefined) {
    throw new torch.FlintError(`predict: the export's images are [${prep.itemShape.join(', ')}], not [1, 3 or 4 channels, height, width]`);
  }
  // as validation resized them (the export records the Resize's method; older exports: a centre crop)
  const resize = vision.Resize([h, w], prep.resize ?? {});
  const items: Tensor[] = [];
  try {
    for (const f of files) {
      const img = await vision.readImage(f, { mode });
      try {
        items.push(resize(img, { split: 'valid' }));
      } finally {
        img.dispose();
      }
    }
    return torch.tidy(() => data.imageInputs(prep, torch.stack(items)));
  } finally {
    torch.dispose(items);
  }
}

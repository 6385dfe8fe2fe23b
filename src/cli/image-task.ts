// `flint train --images DIR` and `flint lr-find --images DIR`: a folder of images labelled by their folder
// (ImageNet layout when DIR/train exists, else a random --valid-pct split), resized to --size, augmented with
// fastai's augTransforms, and a visionLearner on a registered architecture (fine-tuned when --pretrained).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { metrics, torch, vision } from '../index.js';
import type { Task } from './task.js';

/** The architectures --arch accepts: torchvision's resnets, fastai's xresnets, and the demo's small CNN (fast on
 * small images such as 28x28). */
export const IMAGE_ARCHS = [
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'resnet152',
  'xresnet18',
  'xresnet34',
  'xresnet50',
  'xresnet101',
  'xresnet152',
  'simpleCnn',
] as const;
export type ImageArch = (typeof IMAGE_ARCHS)[number];

export interface ImageTaskOptions {
  images: string;
  arch?: ImageArch;
  pretrained?: string;
  /** The side of the square images trained on (default 224). */
  imageSize?: number;
  validPct?: number;
  batchSize?: number;
  device: string;
  runDir: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The Learner for a folder of images; `fineTune` says the caller should fine-tune (pretrained weights). */
export function buildImageTask(o: ImageTaskOptions): Task & { fineTune: boolean } {
  if (!isDir(o.images)) throw new torch.FlintError(`--images: ${JSON.stringify(o.images)} is not a folder`);
  if (o.pretrained !== undefined && !statSync(o.pretrained, { throwIfNoEntry: false })?.isFile()) {
    throw new torch.FlintError(`--pretrained: ${JSON.stringify(o.pretrained)} is not a file`);
  }
  const arch = o.arch ?? 'resnet18';
  if (arch === 'simpleCnn' && o.pretrained !== undefined) throw new torch.FlintError('--pretrained: simpleCnn has no pretrained weights');
  const size = o.imageSize ?? 224;
  const layout = isDir(join(o.images, 'train'));
  const batchTfms = [
    ...vision.augTransforms(),
    // fastai's vision_learner normalises with the weights' statistics when pretrained; from scratch, BatchNorm copes
    ...(o.pretrained !== undefined ? [vision.Normalize.fromStats(...vision.imagenetStats)] : []),
  ];
  const dls = vision.ImageDataLoaders.fromFolder(o.images, {
    itemTfms: vision.Resize(size),
    batchTfms,
    batchSize: o.batchSize ?? 64,
    device: o.device,
    // the ImageNet layout's own split wins; fromFolder would split at random whenever validPct is given
    ...(layout ? {} : { validPct: o.validPct ?? 0.2, seed: 42 }),
  });
  if (dls.vocab.length < 2) {
    throw new torch.FlintError(
      `--images: found ${dls.vocab.length} class (${dls.vocab.join(', ')}); put each class's images in a folder of its own (${layout ? 'train/<class>/' : '<class>/'})`,
    );
  }
  const learn = vision.visionLearner(dls, arch, {
    metrics: [metrics.accuracy()],
    path: o.runDir,
    ...(o.pretrained !== undefined ? { pretrained: o.pretrained } : {}),
    // the small CNN's first layer takes the decoded RGB images
    ...(arch === 'simpleCnn' ? { archArgs: { nIn: 3 } } : {}),
  });
  const params = learn.model.parameters().reduce((n, p) => n + p.numel(), 0);
  const split = layout ? 'train/ and valid/ folders' : `a random ${Math.round((o.validPct ?? 0.2) * 100)}% validation split`;
  return {
    learn,
    notes: [],
    fineTune: o.pretrained !== undefined,
    description:
      `${arch}${o.pretrained !== undefined ? ` (pretrained: ${o.pretrained})` : ''} (${count(params)} parameters) on ${o.images}: ` +
      `${dls.vocab.length} classes (${dls.vocab.join(', ')}), ${size}x${size} images, ${split} ` +
      `(${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation images)`,
  };
}

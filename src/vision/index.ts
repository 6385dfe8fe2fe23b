// The `vision` namespace (fastai's vision application): reading images; transforms, ImageDataLoaders and
// visionLearner build on it.
export { readImage, decodeImage, imageSize, type DecodeImageOptions, type ImageInfo, type ImageMode } from './image.js';
export { ImageDecodeError } from '../torch/image.js';
export { Resize, RandomResizedCrop, CenterCrop, ToTensor } from './item-transforms.js';
export type {
  ItemTransform,
  GeometricItemTransform,
  ItemPlan,
  ItemCallOptions,
  ResizeOptions,
  RandomResizedCropOptions,
  CenterCropOptions,
  ResizeMethod,
  Resample,
  PadMode,
  Box,
  Split,
  Rng,
} from './item-transforms.js';
export { createHead, createBody, visionLearner, type HeadOptions, type VisionLearnerOptions } from './learner.js';
export {
  BatchTransform,
  AffineCoordTfm,
  Flip,
  Rotate,
  Zoom,
  Warp,
  Dihedral,
  LightingTfm,
  Brightness,
  Contrast,
  Normalize,
  IntToFloatTensor,
  imagenetStats,
  RandomResizedCropGPU,
  augTransforms,
  setupAugTfms,
  applyBatchTfms,
  batchTfmsFn,
  decodeBatchTfms,
} from './augment.js';
export type {
  AugTransformsOptions,
  BatchCallOptions,
  BatchSplit,
  Draw,
  AffineMatrices,
  AffineMode,
  AffinePadMode,
  AffineCoordOptions,
  FlipOptions,
  RotateOptions,
  ZoomOptions,
  WarpOptions,
  DihedralOptions,
  MatFn,
  LightingFn,
  LightingOptions,
  IntToFloatOptions,
  RandomResizedCropGPUOptions,
  CropBox,
  UniformRng,
} from './augment.js';
export { ImageDataLoaders, getImageFiles, imageExtensions, type ImageDataLoadersOptions } from './data.js';

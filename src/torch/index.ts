// The `torch` namespace: everything a PyTorch user expects under torch.*.
export { Tensor } from './tensor.js';
export type { Operand, ValuesIndices, NestedArray, ShapeArgs } from './tensor.js';
export { TorchError, FlintError, ArgumentError, DistributedError } from './errors.js';
export { writeFileAtomic, ensureDir } from './files.js';
export type { DType } from './dtype.js';
export { DTYPES, isFloating, isDTypeName } from './dtype.js';
export * from './creation.js';
export { Generator } from './generator.js';
export * from './ops.js';
export * from './autograd.js';
export * from './runtime.js';
export * from './foreach.js';
export * from './autocast.js';
export { standardGamma } from './distributions.js';
export * as distributions from './distributions.js';
export { tidy, keep, dispose } from './scope.js';
export { hostReads } from './host-reads.js';
export { save, load, loadWithMetadata } from './safetensors.js';
export * as safetensors from './safetensors.js';
export * as functional from './functional.js';
export * as distributed from './distributed/index.js';

// dtype constants, as in PyTorch (torch.float32 ...); a dtype is also accepted as its string name.
export const float32 = 'float32' as const;
export const float = 'float32' as const;
export const float64 = 'float64' as const;
export const double = 'float64' as const;
export const float16 = 'float16' as const;
export const half = 'float16' as const;
export const bfloat16 = 'bfloat16' as const;
export const int8 = 'int8' as const;
export const uint8 = 'uint8' as const;
export const int16 = 'int16' as const;
export const int32 = 'int32' as const;
export const int64 = 'int64' as const;
export const long = 'int64' as const;
export const bool = 'bool' as const;
export { decodeImage, ImageDecodeError, type ImageMode, type DecodeImageOptions, type ImageInfo } from './image.js';

// The `data` namespace: datasets, loaders, readers and normalization.
export { type AsyncDataset, type Dataset, TensorDataset } from './dataset.js';
export { type Batch, defaultCollate } from './collate.js';
export { DataLoader, DataLoaders, type DataLoaderOptions } from './dataloader.js';
export type { Shard } from './shard.js';
export { parseIdx, readIdx } from './idx.js';
export { parseCsv, readCsv, type CsvOptions, type CsvTable } from './csv.js';
export { normStats, normalize, normalizeSplits, type NormStats } from './normalize.js';
export { fashionMnist, loadFashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './fashion.js';
export { TensorImage, TensorCategory, TensorMultiCategory, isTyped } from './typed.js';
export {
  imagePreprocessing,
  imageInputs,
  type Preprocessing,
  type ImagePreprocessing,
  type TabularPreprocessing,
  type TabularProcState,
} from './preprocessing.js';
export { registerLoaders, loadersFor, type LoadersFactory } from './restore.js';

// The `tensorboard` namespace: TensorBoard event files written as torch.utils.tensorboard writes them.
export { SummaryWriter } from './writer.js';
export type { Histogram, HParamValue } from './summary.js';

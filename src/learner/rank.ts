// fastai's rank_distrib() == 0: in a data-parallel run only rank 0 prints, logs and writes files (the other ranks
// hold the same weights). Any process outside a process group is the main one.
import * as torch from '../torch/index.js';

export function isMainProcess(): boolean {
  return !torch.distributed.isInitialized() || torch.distributed.getRank() === 0;
}

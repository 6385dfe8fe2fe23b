// torch.distributed: libtorch's c10d process groups (Gloo) and their collectives, as promises.
export {
  type Backend,
  type InitProcessGroupOptions,
  ProcessGroup,
  destroyProcessGroup,
  getLocalRank,
  getRank,
  getWorldSize,
  initProcessGroup,
  isAvailable,
  isInitialized,
} from './group.js';
export { ReduceOp, type ReduceOpName, allGather, allReduce, barrier, broadcast, reduceScatter } from './collectives.js';

// Misuse cases for torch.distributed. The valid initProcessGroup call makes a one-rank group over a file store (no
// port to find), so the collectives' valid calls run against it once it exists and are refused as "not
// initialized" before: both are Flint errors naming the call.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, callbacks, data, nn, torch } from '../../src/index.js';
import type { Case } from './harness.js';

const d = torch.distributed;
// Gloo's sockets on the loopback interface, as the tests' only network
process.env.GLOO_SOCKET_IFNAME = 'lo';
const store = join(mkdtempSync(join(tmpdir(), 'flint-misuse-dist-')), 'store');

const loader = new data.DataLoader(new data.TensorDataset(torch.arange(10)), { batchSize: 2 });
const learner = () =>
  new Learner(data.DataLoaders.fromTensors(torch.randn([4, 2]), torch.randn([4, 1]), torch.randn([2, 2]), torch.randn([2, 1])), new nn.Linear(2, 1), {
    defaultCbs: false,
  });

export const cases: Case[] = [
  {
    name: 'torch.distributed.initProcessGroup',
    args: () => [{ backend: 'gloo', initMethod: `file://${store}`, rank: 0, worldSize: 1, timeoutMs: 5000 }],
    call: (o) => d.initProcessGroup(o as torch.distributed.InitProcessGroupOptions),
    mustReject: {
      '0.rank': ['negative', 'fractional', 'NaN', 'string'],
      '0.worldSize': ['zero', 'negative', 'NaN'],
      '0.timeoutMs': ['zero', 'negative'],
    },
    leakCheck: false,
  },
  { name: 'torch.distributed.isAvailable', args: () => [], call: () => d.isAvailable() },
  { name: 'torch.distributed.isInitialized', args: () => [], call: () => d.isInitialized() },
  { name: 'torch.distributed.getRank', args: () => [], call: () => d.getRank() },
  { name: 'torch.distributed.getWorldSize', args: () => [], call: () => d.getWorldSize() },
  { name: 'torch.distributed.getLocalRank', args: () => [], call: () => d.getLocalRank() },
  {
    name: 'torch.distributed.allReduce',
    args: () => [torch.ones([3]), 'sum'],
    call: (t, op) => d.allReduce(t as torch.Tensor, op as 'sum'),
    mustReject: { 0: ['null', 'string', 'zero'], 1: ['string', 'zero', 'null'] },
  },
  {
    name: 'torch.distributed.broadcast',
    args: () => [torch.ones([3]), 0],
    call: (t, src) => d.broadcast(t as torch.Tensor, src as number),
    mustReject: { 0: ['null', 'string'] },
  },
  {
    name: 'torch.distributed.allGather',
    args: () => [[torch.zeros([2])], torch.ones([2])],
    call: (l, t) => d.allGather(l as torch.Tensor[], t as torch.Tensor),
    mustReject: { 1: ['null', 'string'] },
  },
  {
    name: 'torch.distributed.reduceScatter',
    args: () => [torch.zeros([2]), [torch.ones([2])], 'sum'],
    call: (o, l, op) => d.reduceScatter(o as torch.Tensor, l as torch.Tensor[], op as 'sum'),
    mustReject: { 0: ['null', 'string'] },
  },
  { name: 'torch.distributed.barrier', args: () => [], call: () => d.barrier() },
  {
    name: 'nn.parallel.DistributedDataParallel',
    args: () => [new nn.Linear(2, 2), { bucketCapMb: 25, broadcastBuffers: true }],
    call: (m, o) => new nn.parallel.DistributedDataParallel(m as nn.Module, o as nn.parallel.DistributedDataParallelOptions).ready,
    mustReject: { 0: ['null', 'string', 'object'], '1.bucketCapMb': ['zero', 'negative', 'NaN'], '1.broadcastBuffers': ['string', 'zero'] },
    leakCheck: false,
  },
  {
    name: 'DistributedDataParallel.syncGradients',
    args: () => [],
    call: () => new nn.parallel.DistributedDataParallel(new nn.Linear(2, 2)).syncGradients(),
    leakCheck: false,
  },
  {
    name: 'DistributedDataParallel.release',
    args: () => [],
    call: () => new nn.parallel.DistributedDataParallel(new nn.Linear(2, 2)).release(),
    leakCheck: false,
  },
  {
    name: 'DistributedDataParallel.syncBuffers',
    args: () => [],
    call: () => new nn.parallel.DistributedDataParallel(new nn.BatchNorm1d(2)).syncBuffers(),
    leakCheck: false,
  },
  {
    name: 'callbacks.DistributedTrainer',
    args: () => [{ bucketCapMb: 25, broadcastBuffers: false }],
    call: (o) => new callbacks.DistributedTrainer(o as nn.parallel.DistributedDataParallelOptions),
    mustReject: { 0: ['string', 'array'], '0.bucketCapMb': ['zero', 'NaN'] },
  },
  {
    name: 'Learner.toDistributed',
    args: () => [{ bucketCapMb: 25 }],
    call: (o) => learner().toDistributed(o as nn.parallel.DistributedDataParallelOptions),
    mustReject: { 0: ['string', 'array'], '0.bucketCapMb': ['zero', 'NaN'] },
    leakCheck: false,
  },
  { name: 'Learner.interrupt', args: () => [], call: () => learner().interrupt(), leakCheck: false },
  {
    name: 'DataLoader.setShard',
    args: () => [{ rank: 0, worldSize: 2 }, { seed: 3 }],
    call: (s, o) => loader.setShard(s as data.Shard, o as { seed: number }),
    mustReject: { '0.rank': ['negative', 'fractional', 'NaN'], '0.worldSize': ['zero', 'NaN'], '1.seed': ['negative', 'NaN', 'fractional'] },
    word: 'setShard',
  },
  {
    name: 'nn.SyncBatchNorm',
    args: () => [3, { eps: 1e-5, momentum: 0.1 }],
    call: (n, o) => new nn.SyncBatchNorm(n as number, o as { eps: number }),
    mustReject: { 0: ['negative', 'fractional', 'NaN', 'string'], '1.eps': ['negative', 'NaN'], '1.momentum': ['negative', 'NaN'] },
    leakCheck: false,
  },
  {
    name: 'SyncBatchNorm.forward',
    args: () => [torch.randn([4, 3, 2])],
    call: (x) => new nn.SyncBatchNorm(3).call(x as torch.Tensor),
    mustReject: { 0: ['null', 'string', 'scalar tensor'] },
    word: 'SyncBatchNorm',
    leakCheck: false,
  },
  {
    name: 'nn.SyncBatchNorm.convertSyncBatchnorm',
    args: () => [new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2))],
    call: (m) => nn.SyncBatchNorm.convertSyncBatchnorm(m as nn.Module),
    mustReject: { 0: ['null', 'string', 'object'] },
    word: 'convertSyncBatchnorm',
    leakCheck: false,
  },
  { name: 'torch.distributed.destroyProcessGroup', args: () => [], call: () => d.destroyProcessGroup(), leakCheck: false },
];

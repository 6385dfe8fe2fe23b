// One rank of the data-parallel equivalence test (test/ddp.test.ts).
import { torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';
import { type RunSpec, trainRun } from './ddp-train.js';

const spec = JSON.parse(process.argv[2] as string) as RunSpec;
await torch.distributed.initProcessGroup({ timeoutMs: 30_000 });
const rank = torch.distributed.getRank();
const worldSize = torch.distributed.getWorldSize();
const { state, growth, launched } = await trainRun({ ...spec, shard: { rank, worldSize }, initSeed: spec.initSeed + rank });
report({ rank, state, growth, launched });
await torch.distributed.destroyProcessGroup();

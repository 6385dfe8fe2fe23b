// One rank of test/learner-distributed.test.ts.
import { torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';
import { learnerRun, lrFindRun } from './learner-dist.js';

await torch.distributed.initProcessGroup({ timeoutMs: 30_000 });
const rank = torch.distributed.getRank();
const run = process.argv[2] === 'lrFind' ? lrFindRun : learnerRun;
const out = await run({ batch: 8, distributed: true, initSeed: 11 + rank });
report({ rank, ...out });
await torch.distributed.destroyProcessGroup();

// One rank of test/learner-distributed.test.ts.
import { torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';
import { learnerRun } from './learner-dist.js';

await torch.distributed.initProcessGroup({ timeoutMs: 30_000 });
const rank = torch.distributed.getRank();
const out = await learnerRun({ batch: 8, distributed: true, initSeed: 11 + rank });
report({ rank, ...out });
await torch.distributed.destroyProcessGroup();

// One rank of the data-parallel image test (test/learner-distributed.test.ts).
import { torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';
import { visionRun } from './vision-dist.js';

await torch.distributed.initProcessGroup({ timeoutMs: 30_000 });
const out = await visionRun({ dir: process.argv[2] as string, batch: 4, distributed: true });
report({ rank: torch.distributed.getRank(), ...out });
await torch.distributed.destroyProcessGroup();

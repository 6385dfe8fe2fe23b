// The runs the dashboard may serve from a folder: its sub-folders whose names are run ids, as readdir lists them.
// A request's id is only ever compared with these names (and the live runs'), never joined to a path unchecked.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_INFO, RUN_LOG } from '../callbacks/run-record.js';

/** A run id: a folder name safe in a URL path segment (`runs/2024-01-02T03-04-05-678Z`, `my-run.2`). */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The run folders of runsDir (sub-folders, not links, named as run ids, holding a run record), sorted; none when
 * it cannot be read. */
export function runFolders(runsDir: string | null): string[] {
  if (runsDir === null) return [];
  try {
    return readdirSync(runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && RUN_ID.test(d.name) && [RUN_LOG, RUN_INFO].some((f) => existsSync(join(runsDir, d.name, f))))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

// The `flint` program parsing a command line in this process, with actions that only record their calls: what the
// CLI tests assert on (the options each command gets, the errors and help it writes).
import { buildProgram, type CliActions } from '../src/cli/program.js';

export async function parse(argv: string[]): Promise<{ calls: unknown[][]; out: string; err: string; error?: Error }> {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
    };
  const actions = {
    demo: record('demo'),
    train: record('train'),
    lrFind: record('lrFind'),
    predict: record('predict'),
    launch: record('launch'),
  } as unknown as CliActions;
  let out = '';
  let err = '';
  try {
    await buildProgram(actions, {
      writeOut: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    }).parseAsync(argv, { from: 'user' });
  } catch (e) {
    return { calls, out, err, error: e as Error };
  }
  return { calls, out, err };
}

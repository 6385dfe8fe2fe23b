// The page clients of bench/dashboard_load.ts, in their own process (node: modules only, so it starts light): each
// does what the dashboard page does: GET /api/runs and the run's /record, then the run's events stream (and /record
// again after a dropped-lines notice). Prints a ready line once every stream is open; a line on stdin makes it print
// what the pages received and exit.
//   node dist/bench/dashboard_pages.js URL RUN_ID CLIENTS
import { request } from 'node:http';

/** The pages, in the client process: ready once every stream is open; 'stop' on stdin prints what they received. */
async function pages(url: string, run: string, clients: number): Promise<void> {
  const base = new URL(url);
  const get = (path: string): Promise<string> =>
    new Promise((res, rej) => {
      const req = request({ host: base.hostname, port: base.port, path }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (b: Buffer) => parts.push(b));
        r.on('end', () => res(Buffer.concat(parts).toString('utf8')));
        r.on('error', rej);
      });
      req.on('error', rej);
      req.end();
    });
  const counts = { events: 0, records: 0, dropped: 0 };
  const streams: ReturnType<typeof request>[] = [];
  const page = async (): Promise<void> => {
    await get('/api/runs');
    const { lines } = JSON.parse(await get(`/api/runs/${run}/record`)) as { lines: unknown[] };
    counts.records++;
    await new Promise<void>((res, rej) => {
      const req = request({ host: base.hostname, port: base.port, path: `/api/runs/${run}/events?from=${lines.length}`, agent: false }, (r) => {
        r.setEncoding('utf8');
        let text = '';
        r.on('data', (s: string) => {
          text += s;
          let at: number;
          while ((at = text.indexOf('\n\n')) >= 0) {
            const block = text.slice(0, at);
            text = text.slice(at + 2);
            if (block.startsWith('id: ')) counts.events++;
            // what the page does when it fell behind: refetch the whole record
            if (block.includes('event: dropped')) {
              counts.dropped++;
              void get(`/api/runs/${run}/record`).then(() => {
                counts.records++;
              });
            }
          }
        });
        r.on('error', () => {});
        res();
      });
      req.on('error', rej);
      req.end();
      streams.push(req);
    });
  };
  await Promise.all(Array.from({ length: clients }, page));
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  for await (const _ of process.stdin) {
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    for (const s of streams) s.destroy();
    process.exit(0);
  }
}

const [url, run, clients] = process.argv.slice(2);
await pages(url!, run!, Number(clients));

// One server-sent-events client with a bounded buffer: while more than `limit` bytes wait unsent on its socket
// (a slow or stalled browser), further events are dropped and counted; once it drains, the count goes out as
// `event: dropped` (the page then refetches the record). So a client costs the server at most `limit` bytes.
import type { ServerResponse } from 'node:http';

export class SseClient {
  /** Events dropped since the last `dropped` event. */
  dropped = 0;
  /** Events dropped over the client's life. */
  droppedTotal = 0;
  readonly res: ServerResponse;
  readonly limit: number;

  constructor(res: ServerResponse, limit: number) {
    this.res = res;
    this.limit = limit;
    res.on('drain', () => this.#drained());
  }

  /** Bytes written but not yet taken by the socket. */
  get buffered(): number {
    return this.res.writableLength;
  }

  #full(): boolean {
    return this.res.writableLength > this.limit || this.res.destroyed;
  }

  /** Sends one event (whole `event:/data:` text), or counts it dropped. */
  send(text: string): void {
    if (this.#full()) {
      this.dropped++;
      this.droppedTotal++;
      return;
    }
    this.res.write(text);
  }

  /** A comment (the keep-alive ping): skipped, not counted, when the client is behind. */
  comment(text: string): void {
    if (!this.#full()) this.res.write(`: ${text}\n\n`);
  }

  #drained(): void {
    if (this.dropped === 0 || this.res.destroyed) return;
    const count = this.dropped;
    this.dropped = 0;
    this.res.write(`event: dropped\ndata: ${JSON.stringify({ count })}\n\n`);
  }
}

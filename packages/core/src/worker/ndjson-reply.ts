import type { ServerResponse } from 'node:http';
import { SwitchyardError } from '../errors';
import { NDJSON_CONTENT_TYPE, type WireStreamLine } from '../serialization/wire';

/**
 * The reply of a load-balancer streaming call: `200`, `content-type: application/x-ndjson`,
 * chunked, one {@link WireStreamLine} per line. The head goes out with the first line, so a
 * call refused before its first chunk still gets the ordinary JSON error reply and its status.
 * `write` resolves once the response can take more (Node's `write()` returned true, or
 * `'drain'` came), so the generator never runs ahead of a slow reader by more than the socket
 * buffers.
 */
export class NdjsonReply {
  constructor(private readonly res: ServerResponse) {}

  /** True once the head (and so a first line) went out: the call's reply is this stream. */
  get started(): boolean {
    return this.res.headersSent;
  }

  /** Writes one line; resolves when the response can take the next. Rejects once the caller has gone. */
  async write(line: WireStreamLine): Promise<void> {
    const res = this.res;
    if (res.destroyed || res.writableEnded) throw new SwitchyardError('the caller closed the connection of its streaming /execute call, so the stream was stopped.');
    this.head();
    if (res.write(`${JSON.stringify(line)}\n`)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  /** Writes the last line (the end, or the failure) and ends the reply; nothing once the caller has gone. */
  end(line: WireStreamLine): void {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    this.head();
    res.end(`${JSON.stringify(line)}\n`);
  }

  private head(): void {
    if (this.res.headersSent) return;
    // No content-length: Node sends the body chunked. x-accel-buffering asks proxies not to hold lines back.
    this.res.writeHead(200, { 'content-type': NDJSON_CONTENT_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  }
}

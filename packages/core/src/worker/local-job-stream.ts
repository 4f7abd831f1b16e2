import type { WireChunk } from '../serialization/wire';

/**
 * Most chunks a streaming job of the local API buffers for its `/stream` readers. Once this many
 * wait unread, the job's generator is not resumed until a `/stream` request takes them, so a
 * worker never runs ahead of its consumer by more than this.
 */
export const STREAM_BUFFER_CHUNKS = 16;

/**
 * The chunks of one streaming job between its generator and its `/stream` readers (protocol
 * reference §1.4: each call drains what was buffered since the last one). The producer's
 * `push` resolves only while there is room (backpressure); readers wait for a chunk or the end.
 * After `end()` (the job reached a terminal status) nothing more is taken, and what is still
 * buffered stays readable until drained.
 */
export class JobStream {
  private chunks: WireChunk[] = [];
  private ended = false;
  private pushed = false;
  /** `/stream` requests waiting for a chunk or the end. */
  private readers: Array<() => void> = [];
  /** The producer waiting for room. */
  private room: Array<() => void> = [];

  constructor(private readonly capacity: number = STREAM_BUFFER_CHUNKS) {}

  /** Chunks buffered and not read yet. */
  get buffered(): number {
    return this.chunks.length;
  }

  /** True once the job's method sent a chunk: the job streams. */
  get started(): boolean {
    return this.pushed;
  }

  /** True once the job ended: no chunk is added any more. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Buffers a chunk (dropped after the end); resolves once there is room for the next one, or at the end. */
  async push(chunk: WireChunk): Promise<void> {
    if (this.ended) return;
    this.pushed = true;
    this.chunks.push(chunk);
    this.wake('readers');
    while (!this.ended && this.chunks.length >= this.capacity) await new Promise<void>((resolve) => this.room.push(resolve));
  }

  /** Takes every buffered chunk, making room for the producer. */
  drain(): WireChunk[] {
    const taken = this.chunks;
    this.chunks = [];
    if (taken.length > 0) this.wake('room');
    return taken;
  }

  /**
   * Resolves when a chunk is buffered, the stream ends, `waitMs` passed or `gone` aborts (the
   * reader hung up), whichever is first; at once if a chunk is buffered already or it ended.
   */
  async waitForChunk(waitMs: number, gone?: AbortSignal): Promise<void> {
    if (this.chunks.length > 0 || this.ended || gone?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        gone?.removeEventListener('abort', done);
        this.readers = this.readers.filter((r) => r !== done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      gone?.addEventListener('abort', done, { once: true });
      this.readers.push(done);
    });
  }

  /** The job ended: wakes every reader and the producer; later chunks are dropped. */
  end(): void {
    this.ended = true;
    this.wake('readers');
    this.wake('room');
  }

  private wake(who: 'readers' | 'room'): void {
    const waiting = this[who];
    this[who] = [];
    for (const resolve of waiting) resolve();
  }
}

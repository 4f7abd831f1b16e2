import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint, Remote } from '@switchyard/decorators';
import { ConfigurationError, RemoteExecutionError } from '../../src/errors';
import { startLocalCluster, type LocalCluster } from '../../src/testing';
import { rejectionOf, thrownBy } from '../support/helpers';

// Issue 16: runtime.map runs one call per argument tuple with bounded concurrency, in input order.

const seen = { running: 0, peak: 0, started: 0, finished: 0, aborted: 0 };

@Endpoint({ name: 'fan' })
class Fan {
  @Remote()
  async slowSquare(n: number, ms: number, signal?: AbortSignal): Promise<number> {
    seen.started++;
    seen.running++;
    seen.peak = Math.max(seen.peak, seen.running);
    try {
      await sleep(ms, undefined, { signal });
      if (n < 0) throw new RangeError(`negative: ${n}`);
      seen.finished++;
      return n * n;
    } catch (error) {
      if (signal?.aborted) seen.aborted++;
      throw error;
    } finally {
      seen.running--;
    }
  }

  @Remote()
  async *countTo(n: number): AsyncGenerator<number> {
    for (let i = 1; i <= n; i++) yield i;
  }
}

describe('runtime.map (issue 16)', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocalCluster({ endpoints: [Fan] });
  });
  afterAll(() => cluster.stop());
  beforeEach(() => Object.assign(seen, { running: 0, peak: 0, started: 0, finished: 0, aborted: 0 }));

  it('keeps input order and never runs more than `concurrency` calls at once (counted on the worker)', async () => {
    // Later items are faster, so they finish first: the order still follows the input.
    const items = Array.from({ length: 40 }, (_, i) => [i, 40 - i] as [number, number]);
    const results = await cluster.client().map(Fan, 'slowSquare', items, { concurrency: 5 }).toArray();
    expect(results).toEqual(items.map(([n]) => n * n));
    expect(seen.peak).toBeLessThanOrEqual(5);
    expect(seen.peak).toBeGreaterThanOrEqual(2);
    expect(seen.started).toBe(40);
  });

  it('keeps the other calls going while the head is slow, holding at most `concurrency` results unread', async () => {
    // The head takes 400 ms; the rest 10 ms each. With 2 in flight, the second slot keeps turning
    // over while the head runs, until `concurrency` finished results wait behind it.
    const items: Array<[number, number]> = [[0, 400], ...Array.from({ length: 9 }, (_, i) => [i + 1, 10] as [number, number])];
    const run = cluster.client().map(Fan, 'slowSquare', items, { concurrency: 2 })[Symbol.asyncIterator]();
    const first = await run.next();
    expect(first.value).toBe(0);
    // By the head's end: the head, then 2 buffered results and one more in flight (window of 2 × 2).
    expect(seen.started).toBe(4);
    const rest: number[] = [];
    for (let next = await run.next(); !next.done; next = await run.next()) rest.push(next.value as number);
    expect(rest).toEqual(items.slice(1).map(([n]) => n * n));
    expect(seen.peak).toBeLessThanOrEqual(2);
  });

  it('stops at the first error, after yielding the results before it, and cancels the calls after it', async () => {
    const items: Array<[number, number]> = [
      [1, 5],
      [2, 5],
      [-3, 20],
      [4, 2_000],
      [5, 2_000],
    ];
    const got: number[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const value of cluster.client().map(Fan, 'slowSquare', items, { concurrency: 5 })) got.push(value);
      })(),
    );
    expect(got).toEqual([1, 4]);
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.message).toBe('negative: -3');
    // The two long calls were cancelled on the worker, not run to the end.
    await sleep(300);
    expect(seen.finished).toBe(2);
    expect(seen.aborted).toBe(2);
  });

  it('with returnErrors, runs every call and reports each outcome in place', async () => {
    const outcomes = await cluster
      .client()
      .map(Fan, 'slowSquare', [[2, 5], [-1, 5], [3, 5]] as Array<[number, number]>, { returnErrors: true, concurrency: 2 })
      .toArray();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 4 });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RemoteExecutionError);
  });

  it('cancels what runs when the loop breaks early, and takes items lazily from an async source', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<[number, number]> {
      for (let i = 0; i < 1_000; i++) {
        pulled++;
        yield [i, i === 0 ? 5 : 2_000];
      }
    }
    for await (const value of cluster.client().map(Fan, 'slowSquare', source(), { concurrency: 3 })) {
      expect(value).toBe(0);
      break;
    }
    expect(pulled).toBeLessThanOrEqual(4);
    await sleep(300);
    expect(seen.aborted).toBe(2);
  });

  it('refuses a concurrency out of range, and a streaming method (it has no one result per item)', () => {
    expect(thrownBy(() => cluster.client().map(Fan, 'slowSquare', [], { concurrency: 0 }))).toBeInstanceOf(ConfigurationError);
    const streaming = thrownBy(() => cluster.client().map(Fan, 'countTo', [[1]]));
    expect(streaming).toBeInstanceOf(ConfigurationError);
    expect(streaming.message).toContain('Fan.countTo is a streaming method');
  });
});

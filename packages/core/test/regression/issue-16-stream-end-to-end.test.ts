import { Endpoint, Remote } from '@switchyard/decorators';
import { silentLogger } from '../../src/observability/logger';
import { registerError } from '../../src/serialization/serializer';
import { startLocalCluster } from '../../src/testing';
import { eventually, gate, type Gate } from '../support/helpers';

// Issue 16: a method could only return one result. A streaming (`async *`) method now streams
// from the worker to the caller: through /run and /stream on a queue endpoint, as NDJSON on a
// load-balancer endpoint. These run the caller's router proxy against real workers.

class TokenLimitError extends Error {
  override name = 'TokenLimitError';
  constructor(readonly limit: number) {
    super(`more than ${limit} tokens`);
  }
}
registerError(TokenLimitError);

const worker = { finallyRan: [] as string[], produced: new Map<string, number>(), gate: undefined as Gate | undefined };

/** The same streaming methods on a queue endpoint and on a load-balancer endpoint. */
function streamingMethods() {
  abstract class Tokens {
    @Remote({ timeoutMs: 30_000 })
    async *tokens(tag: string, n: number): AsyncGenerator<string> {
      try {
        for (let i = 1; i <= n; i++) {
          worker.produced.set(tag, i);
          yield `${tag}-${i}`;
          if (i === 1) await worker.gate?.promise;
        }
      } finally {
        worker.finallyRan.push(tag);
      }
    }

    @Remote({ timeoutMs: 30_000 })
    async *limited(limit: number): AsyncGenerator<number> {
      for (let i = 1; i <= limit; i++) yield i;
      throw new TokenLimitError(limit);
    }
  }
  return Tokens;
}

@Endpoint({ name: 'queue-tokens' })
class QueueTokens extends streamingMethods() {}

@Endpoint({ name: 'lb-tokens', type: 'load-balancer' })
class LbTokens extends streamingMethods() {}

describe.each([
  ['a queue endpoint (/run, /stream)', QueueTokens],
  ['a load-balancer endpoint (NDJSON)', LbTokens],
])('regression (issue 16): a streaming method called through the router proxy on %s', (_label, Cls) => {
  it('yields every value in order, the first one while the method still runs', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Cls], logger: silentLogger });
    worker.gate = gate();
    const tag = `${Cls.name}-live`;
    const seen: string[] = [];
    for await (const token of cluster.client().get(Cls).tokens(tag, 3)) {
      seen.push(token);
      if (seen.length === 1) {
        // The worker holds after its first value until this reader has it.
        expect(worker.finallyRan).not.toContain(tag);
        worker.gate.open();
      }
    }
    expect(seen).toEqual([`${tag}-1`, `${tag}-2`, `${tag}-3`]);
    expect(worker.finallyRan).toContain(tag);
  });

  it('a break in the caller stops the generator on the worker: its finally runs', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Cls], logger: silentLogger });
    worker.gate = undefined;
    const tag = `${Cls.name}-break`;
    // Far more values than any buffer holds: the worker is held by backpressure when the caller stops.
    const n = 10_000_000;
    for await (const token of cluster.client().get(Cls).tokens(tag, n)) {
      if (token === `${tag}-2`) break;
    }
    await eventually(() => (worker.finallyRan.includes(tag) ? true : undefined));
    expect(worker.produced.get(tag)!).toBeLessThan(n);
  });

  it('an error thrown mid-stream reaches the caller as its registered class, after the values before it', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Cls], logger: silentLogger });
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const n of cluster.client().get(Cls).limited(3)) seen.push(n);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(caught).toBeInstanceOf(TokenLimitError);
    expect((caught as TokenLimitError).limit).toBe(3);
  });
});

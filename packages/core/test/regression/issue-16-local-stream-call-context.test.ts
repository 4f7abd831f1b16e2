import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint, Remote } from '@switchyard/decorators';
import { currentCallContext, type CallContext } from '../../src/router/call-context';
import { StaticDirectory } from '../../src/directory/static-directory';
import { createTestRuntime } from '../../src/testing';

// Issue 16: a hosted or overridden streaming method run through runtime.call lost the call's
// timeoutMs and signal after its first step (a generator's body runs in the context of whoever
// calls next(), and only the call that created it was wrapped).

const seen: Array<CallContext | undefined> = [];

@Endpoint({ name: 'local-stream' })
class LocalStream {
  @Remote()
  async *count(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      await sleep(1);
      seen.push(currentCallContext());
      yield i;
    }
  }
}

@Endpoint({ name: 'fallback-stream' })
class FallbackStream {
  @Remote({ fallback: 'local', timeoutMs: 5_000 })
  async *count(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      await sleep(1);
      seen.push(currentCallContext());
      yield i;
    }
  }
}

describe('regression (issue 16): a local streaming method keeps the call context at every step', () => {
  beforeEach(() => (seen.length = 0));

  it('on a hosted endpoint', async () => {
    await using runtime = createTestRuntime({ endpoint: 'local-stream' });
    const controller = new AbortController();
    const values: number[] = [];
    for await (const value of runtime.call(LocalStream, 'count', [3], { timeoutMs: 5_000, signal: controller.signal })) values.push(value);
    expect(values).toEqual([0, 1, 2]);
    expect(seen).toHaveLength(3);
    for (const context of seen) {
      expect(context?.signal).toBe(controller.signal);
      expect(context?.deadline).toBeGreaterThan(Date.now());
    }
  });

  it('on an override, and the generator is closed when the loop stops early', async () => {
    let closed = false;
    const fake = {
      async *count(n: number): AsyncGenerator<number> {
        try {
          for (let i = 0; i < n; i++) {
            await sleep(1);
            seen.push(currentCallContext());
            yield i * 10;
          }
        } finally {
          closed = true;
        }
      },
    };
    await using runtime = createTestRuntime({ overrides: [[LocalStream, fake]] });
    const controller = new AbortController();
    for await (const value of runtime.call(LocalStream, 'count', [5], { signal: controller.signal })) if (value === 10) break;
    expect(closed).toBe(true);
    expect(seen.map((c) => c?.signal)).toEqual([controller.signal, controller.signal]);
  });

  it("under fallback 'local' (no address), with the call's deadline and signal", async () => {
    await using runtime = createTestRuntime({ directory: new StaticDirectory({}), fallback: 'local' });
    const controller = new AbortController();
    const values: number[] = [];
    for await (const value of runtime.call(FallbackStream, 'count', [2], { signal: controller.signal })) values.push(value);
    expect(values).toEqual([0, 1]);
    expect(seen).toHaveLength(2);
    for (const context of seen) {
      expect(context?.deadline).toBeGreaterThan(Date.now());
      expect(context?.signal).toBeInstanceOf(AbortSignal);
    }
    controller.abort();
  });
});

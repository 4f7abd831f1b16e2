import { CallOutcomeCache } from '../../src/worker/call-outcome-cache';

describe('CallOutcomeCache', () => {
  function clock() {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it('returns the remembered outcome for a key seen within the TTL and runs only once', async () => {
    const time = clock();
    const cache = new CallOutcomeCache<string>({ ttlMs: 100, maxEntries: 10_000, now: time.now });
    const run = jest.fn(async () => 'first');
    expect(await cache.getOrRun('a', run)).toBe('first');
    time.advance(99);
    expect(await cache.getOrRun('a', async () => 'second')).toBe('first');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('counts the TTL from when the call finished, not when it started', async () => {
    const time = clock();
    const cache = new CallOutcomeCache<string>({ ttlMs: 100, maxEntries: 10_000, now: time.now });
    let finish!: (v: string) => void;
    const pending = cache.getOrRun('a', () => new Promise<string>((resolve) => (finish = resolve)));
    time.advance(500);
    expect(cache.getOrRun('a', async () => 'dup')).toBe(pending);
    finish('slow');
    await pending;
    time.advance(99);
    expect(await cache.getOrRun('a', async () => 'again')).toBe('slow');
    time.advance(2);
    expect(await cache.getOrRun('a', async () => 'again')).toBe('again');
  });

  it('forgets the least recently used key beyond maxEntries', async () => {
    const cache = new CallOutcomeCache<string>({ ttlMs: 600_000, maxEntries: 2 });
    await cache.getOrRun('a', async () => 'a1');
    await cache.getOrRun('b', async () => 'b1');
    await cache.getOrRun('a', async () => 'a2'); // a is now the most recent
    await cache.getOrRun('c', async () => 'c1'); // evicts b
    expect(cache.size).toBe(2);
    expect(await cache.getOrRun('a', async () => 'a3')).toBe('a1');
    expect(await cache.getOrRun('b', async () => 'b2')).toBe('b2');
  });

  it('forgets an outcome at once with a TTL of 0, but still shares a running call', async () => {
    const cache = new CallOutcomeCache<string>({ ttlMs: 0, maxEntries: 10 });
    let finish!: (v: string) => void;
    const pending = cache.getOrRun('a', () => new Promise<string>((resolve) => (finish = resolve)));
    expect(cache.getOrRun('a', async () => 'dup')).toBe(pending);
    finish('first');
    await pending;
    await Promise.resolve();
    expect(await cache.getOrRun('a', async () => 'second')).toBe('second');
  });

  it('stays bounded under a long stream of distinct calls', async () => {
    const cache = new CallOutcomeCache<number>({ ttlMs: 600_000, maxEntries: 1_000 });
    for (let i = 0; i < 50_000; i++) await cache.getOrRun(`k${i}`, async () => i);
    expect(cache.size).toBe(1_000);
    expect(await cache.getOrRun('k49999', async () => -1)).toBe(49_999);
    expect(await cache.getOrRun('k0', async () => -1)).toBe(-1);
  });

  it('does not remember a run that rejected', async () => {
    const cache = new CallOutcomeCache<string>({ ttlMs: 600_000, maxEntries: 10_000 });
    await expect(cache.getOrRun('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.getOrRun('a', async () => 'ok')).toBe('ok');
  });
});

import { RequestSlots } from '../../src/resilience/request-slots';
import { CircuitOpenError, DeadlineExceededError } from '../../src/errors';
import { AddressBreakers } from '../../src/resilience/address-breakers';
import { cappedExponentialDelay, retryAfterMs } from '../../src/resilience/backoff';
import { deadlineSignal, remainingMs, sleep } from '../../src/resilience/deadline';
import { isTransportFailure, markTransportFailure } from '../../src/resilience/transport-failure';
import { rejectionOf } from './helpers';

describe('deadlineSignal', () => {
  it('aborts with a DeadlineExceededError when the deadline passes and reports expired', async () => {
    const scope = deadlineSignal(Date.now() + 20);
    try {
      const error = await rejectionOf(sleep(10_000, scope.signal));
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(scope.expired).toBe(true);
      expect(scope.callerAborted).toBe(false);
    } finally {
      scope.dispose();
    }
  });

  it("aborts with the caller's reason when the caller aborts first and reports callerAborted", async () => {
    const controller = new AbortController();
    const scope = deadlineSignal(Date.now() + 60_000, controller.signal);
    try {
      const reason = new Error('caller gave up');
      const waiting = rejectionOf(sleep(10_000, scope.signal));
      controller.abort(reason);
      expect(await waiting).toBe(reason);
      expect(scope.callerAborted).toBe(true);
      expect(scope.expired).toBe(false);
    } finally {
      scope.dispose();
    }
  });

  it('is aborted at once for a deadline in the past', () => {
    const scope = deadlineSignal(Date.now() - 1);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.expired).toBe(true);
    expect(scope.remaining()).toBe(0);
    scope.dispose();
  });

  it('does not abort after dispose()', async () => {
    const scope = deadlineSignal(Date.now() + 5);
    scope.dispose();
    await sleep(15);
    expect(scope.signal.aborted).toBe(false);
  });

  it('remainingMs is never negative', () => {
    expect(remainingMs(1_000, 5_000)).toBe(0);
    expect(remainingMs(5_000, 1_000)).toBe(4_000);
  });
});

describe('backoff', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 60].map((n) => cappedExponentialDelay(n, 200, 1_000))).toEqual([200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('reads Retry-After in seconds or as an HTTP date, capped', () => {
    expect(retryAfterMs('2', 30_000)).toBe(2_000);
    expect(retryAfterMs('120', 30_000)).toBe(30_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 30_000, 5_000)).toBe(5_000);
    expect(retryAfterMs('soon', 30_000)).toBeUndefined();
    expect(retryAfterMs(null, 30_000)).toBeUndefined();
  });
});

describe('AddressBreakers', () => {
  const transport = (): Error => markTransportFailure(new Error('connection refused'));

  it('counts only transport failures by default; other errors pass through uncounted', async () => {
    const breakers = new AddressBreakers({ threshold: 2, resetMs: 60_000 });
    const user = new Error('user code threw');

    expect(await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(user)))).toBe(user);
    expect(await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(user)))).toBe(user);
    expect(breakers.status('http://a')).toBe('closed');

    await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(transport())));
    await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(transport())));
    expect(breakers.status('http://a')).toBe('open');
    expect(breakers.isOpen('http://a')).toBe(true);
    expect(breakers.retryAt('http://a')).toBeGreaterThan(Date.now());
    expect(isTransportFailure(transport())).toBe(true);
  });

  it('resets the count on a success, so failures must be consecutive', async () => {
    const breakers = new AddressBreakers({ threshold: 2, resetMs: 60_000 });
    await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(transport())));
    await breakers.execute('http://a', 'a', () => Promise.resolve('ok'));
    await rejectionOf(breakers.execute('http://a', 'a', () => Promise.reject(transport())));
    expect(breakers.isOpen('http://a')).toBe(false);
  });

  it('keeps circuits per address', async () => {
    const breakers = new AddressBreakers({ threshold: 1, resetMs: 60_000 });
    await rejectionOf(breakers.execute('http://a', 'e', () => Promise.reject(transport())));
    expect(breakers.isOpen('http://a')).toBe(true);
    expect(breakers.isOpen('http://b')).toBe(false);
    expect(await breakers.execute('http://b', 'e', () => Promise.resolve(7))).toBe(7);
  });

  it('does not run the function while open, and reopens when the half-open probe fails', async () => {
    const breakers = new AddressBreakers({ threshold: 1, resetMs: 20 });
    let runs = 0;
    const failing = (): Promise<never> => {
      runs++;
      return Promise.reject(transport());
    };
    await rejectionOf(breakers.execute('http://a', 'e', failing));
    expect(await rejectionOf(breakers.execute('http://a', 'e', failing))).toBeInstanceOf(CircuitOpenError);
    expect(runs).toBe(1);

    await sleep(30);
    expect(breakers.isOpen('http://a')).toBe(false); // due for a probe: the router may send one
    await rejectionOf(breakers.execute('http://a', 'e', failing));
    expect(runs).toBe(2);
    expect(breakers.isOpen('http://a')).toBe(true);
  });

  it('rejects a bad threshold', () => {
    expect(() => new AddressBreakers({ threshold: 0, resetMs: 1 })).toThrow(RangeError);
  });
});

describe('RequestSlots', () => {
  it('grants slots in FIFO order and never more than the capacity at once', async () => {
    const slots = new RequestSlots(2);
    const order: number[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    expect(slots.free).toBe(0);
    const third = slots.acquire().then((release) => (order.push(3), release));
    const fourth = slots.acquire().then((release) => (order.push(4), release));
    first();
    first(); // releasing twice frees one slot only
    const releaseThird = await third;
    expect(order).toEqual([3]);
    second();
    const releaseFourth = await fourth;
    expect(order).toEqual([3, 4]);
    releaseThird();
    releaseFourth();
    expect(slots.free).toBe(2);
  });

  it('rejects a waiting acquire with the abort reason and drops it from the queue', async () => {
    const slots = new RequestSlots(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('caller left'));
    await expect(waiting).rejects.toThrow('caller left');
    held();
    expect(slots.free).toBe(1);
  });
});

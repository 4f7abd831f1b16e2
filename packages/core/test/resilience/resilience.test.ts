import { RequestSlots } from '../../src/resilience/request-slots';
import { CircuitOpenError, ConfigurationError, DeadlineExceededError } from '../../src/errors';
import { AddressBreakers } from '../../src/resilience/address-breakers';
import { cappedExponentialDelay, retryAfterMs } from '../../src/resilience/backoff';
import { CallBudget, remainingMs, sleep } from '../../src/resilience/call-budget';
import { ReplicaChoice } from '../../src/resilience/replica-choice';
import { RetryPolicy } from '../../src/resilience/retry-policy';
import { AttemptFailure, isTransportFailure } from '../../src/resilience/transport-failure';
import { rejectionOf, thrownBy } from '../support/helpers';

describe('CallBudget', () => {
  it('aborts with a DeadlineExceededError naming the call when the deadline passes and reports expired', async () => {
    const scope = CallBudget.start({ timeoutMs: 20, endpoint: 'reports', method: 'render' });
    try {
      const error = await rejectionOf(sleep(10_000, scope.signal));
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(error.message).toMatch(/^reports\.render: the call's deadline/);
      expect(scope.expired).toBe(true);
      expect(scope.callerAborted).toBe(false);
    } finally {
      scope.dispose();
    }
  });

  it("aborts with the caller's reason when the caller aborts first and reports callerAborted", async () => {
    const controller = new AbortController();
    const scope = CallBudget.until(Date.now() + 60_000, controller.signal);
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
    const scope = CallBudget.until(Date.now() - 1);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.expired).toBe(true);
    expect(scope.remaining()).toBe(0);
    scope.dispose();
  });

  it('does not abort after dispose()', async () => {
    const scope = CallBudget.start({ timeoutMs: 5 });
    scope.dispose();
    await sleep(15);
    expect(scope.signal.aborted).toBe(false);
  });

  it('never outlives an enclosing deadline, and either signal aborts it', () => {
    const outer = new AbortController();
    const scope = CallBudget.start({ timeoutMs: 60_000, deadline: Date.now() + 1_000, signals: [undefined, outer.signal] });
    expect(scope.remaining()).toBeLessThanOrEqual(1_000);
    outer.abort(new Error('outer gave up'));
    expect(scope.callerAborted).toBe(true);
    expect((scope.signal.reason as Error).message).toBe('outer gave up');
    scope.dispose();
  });

  it('re-arms for a deadline beyond setTimeout\'s range instead of firing at once', async () => {
    const scope = CallBudget.start({ timeoutMs: 2 ** 31 + 10_000 });
    await sleep(20);
    expect(scope.aborted).toBe(false);
    scope.dispose();
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
  const transport = (): Error => new AttemptFailure('not-accepted', 'connection refused');

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

  it('refuses a bad threshold with a ConfigurationError naming the option and its range, never a clamp', () => {
    const error = thrownBy(() => new AddressBreakers({ threshold: 0, resetMs: 1 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('AddressBreakers option threshold must be a whole number from 1 to 1000, got 0.');
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

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ submitAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 });
  const next = { sameReplica: true, remainingMs: 60_000 };

  it('sends a submission that may have run again only for an idempotent method, within 1 + retries', () => {
    expect(policy.decide('ambiguous', { submissions: 1, mayHaveRun: 1 }, { idempotent: false, retries: 0 }, next)).toEqual({ retry: false, reason: 'not-idempotent' });
    expect(policy.decide('ambiguous', { submissions: 1, mayHaveRun: 1 }, { idempotent: true, retries: 0 }, next)).toEqual({ retry: false, reason: 'retries-used' });
    expect(policy.decide('replica-lost', { submissions: 1, mayHaveRun: 1 }, { idempotent: true, retries: 1 }, next).retry).toBe(true);
    expect(policy.decide('ambiguous', { submissions: 2, mayHaveRun: 2 }, { idempotent: true, retries: 1 }, next)).toEqual({ retry: false, reason: 'retries-used' });
  });

  it('retries what was not accepted for every method, up to submitAttempts in all', () => {
    const rules = { idempotent: false, retries: 0 };
    expect(policy.decide('not-accepted', { submissions: 3, mayHaveRun: 0 }, rules, next).retry).toBe(true);
    expect(policy.decide('not-accepted', { submissions: 4, mayHaveRun: 0 }, rules, next)).toEqual({ retry: false, reason: 'attempts-used' });
  });

  it('goes to another replica at once, waits on the same one, and honours Retry-After there', () => {
    const rules = { idempotent: false, retries: 0 };
    expect(policy.decide('not-accepted', { submissions: 1, mayHaveRun: 0 }, rules, { sameReplica: false, remainingMs: 60_000 })).toEqual({ retry: true, delayMs: 0 });
    const waited = policy.decide('not-accepted', { submissions: 1, mayHaveRun: 0 }, rules, { sameReplica: true, retryAfterMs: 2_000, remainingMs: 60_000 });
    expect(waited).toEqual({ retry: true, delayMs: 2_000 });
    const capped = policy.decide('not-accepted', { submissions: 1, mayHaveRun: 0 }, rules, { sameReplica: true, retryAfterMs: 60_000, remainingMs: 60_000 });
    expect(capped).toEqual({ retry: true, delayMs: 5_000 });
  });

  it('does not retry when the wait would outlast the budget', () => {
    expect(policy.decide('not-accepted', { submissions: 1, mayHaveRun: 0 }, { idempotent: true, retries: 3 }, { sameReplica: true, retryAfterMs: 3_000, remainingMs: 1_000 })).toEqual({
      retry: false,
      reason: 'deadline',
    });
  });
});

describe('ReplicaChoice', () => {
  const r = (url: string) => ({ url });

  it('walks the replicas in order, each once, then returns to the one tried longest ago', () => {
    const choice = new ReplicaChoice([r('a'), r('b'), r('c')]);
    expect([choice.next(), choice.next(), choice.next(), choice.next()].map((x) => x?.url)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('skips replicas whose circuit refuses and says when a retry would repeat the same replica', () => {
    const open = new Set(['b']);
    const choice = new ReplicaChoice([r('a'), r('b'), r('c')], (x) => !open.has(x.url));
    expect(choice.next()?.url).toBe('a');
    expect(choice.wouldRepeat(r('a'))).toBe(false);
    expect(choice.next()?.url).toBe('c');
    open.add('a');
    expect(choice.wouldRepeat(r('c'))).toBe(true);
    open.add('c');
    expect(choice.next()).toBeUndefined();
  });
});

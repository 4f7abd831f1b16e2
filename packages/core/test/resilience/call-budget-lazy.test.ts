import { DeadlineExceededError } from '../../src/errors';
import { CallBudget } from '../../src/resilience/call-budget';
import { LazyAbort } from '../../src/resilience/lazy-abort';

// A budget makes its AbortController and timer only when its signal is read. Until then every
// question must still get the answer the signal would give.
describe('CallBudget before its signal is read', () => {
  it('answers over the deadline from the clock alone', async () => {
    // Long enough that a loaded machine still checks before the deadline.
    const budget = CallBudget.start({ timeoutMs: 300, endpoint: 'reports', method: 'render' });
    expect(budget.aborted).toBe(false);
    expect(() => budget.throwIfOver()).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(budget.aborted).toBe(true);
    expect(budget.expired).toBe(true);
    expect(budget.callerAborted).toBe(false);
    expect(() => budget.throwIfOver()).toThrow(DeadlineExceededError);
    expect(() => budget.throwIfOver()).toThrow(/reports\.render/);
    // Read late, the signal is already aborted with the same kind of reason.
    expect(budget.signal.aborted).toBe(true);
    expect(budget.signal.reason).toBeInstanceOf(DeadlineExceededError);
    budget.dispose();
  });

  it("answers a caller's abort with the caller's reason", () => {
    const caller = new AbortController();
    const budget = CallBudget.until(Date.now() + 60_000, caller.signal);
    caller.abort(new Error('user left'));
    expect(budget.aborted).toBe(true);
    expect(budget.callerAborted).toBe(true);
    expect(budget.expired).toBe(false);
    expect(() => budget.throwIfOver()).toThrow('user left');
    expect(budget.signal.reason).toEqual(new Error('user left'));
    budget.dispose();
  });

  it('once read, the signal aborts at the deadline by itself', async () => {
    const budget = CallBudget.start({ timeoutMs: 10 });
    const signal = budget.signal;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect(signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(budget.expired).toBe(true);
  });

  it('never arms a timer when read after dispose', async () => {
    const budget = CallBudget.start({ timeoutMs: 10 });
    budget.dispose();
    const signal = budget.signal;
    await new Promise((resolve) => setTimeout(resolve, 25));
    expect(signal.aborted).toBe(false);
  });
});

describe('LazyAbort', () => {
  it('reads like an AbortSignal before any signal is made, and a late signal is already aborted', () => {
    const cancel = new LazyAbort();
    expect(cancel.aborted).toBe(false);
    expect(() => cancel.throwIfAborted()).not.toThrow();
    cancel.abort(new Error('cancelled by the caller'));
    cancel.abort(new Error('second reason, ignored'));
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toEqual(new Error('cancelled by the caller'));
    expect(() => cancel.throwIfAborted()).toThrow('cancelled by the caller');
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal.reason).toEqual(new Error('cancelled by the caller'));
  });

  it('aborts a signal made before the abort, with an AbortError by default', () => {
    const cancel = new LazyAbort();
    const signal = cancel.signal;
    expect(cancel.signal).toBe(signal);
    cancel.abort();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });

  it('ends a budget that was given it, read lazily or through the signal', async () => {
    const lazy = new LazyAbort();
    const budget = CallBudget.until(Date.now() + 60_000, lazy);
    lazy.abort(new Error('job cancelled'));
    expect(budget.callerAborted).toBe(true);
    expect(() => budget.throwIfOver()).toThrow('job cancelled');

    const later = new LazyAbort();
    const armed = CallBudget.until(Date.now() + 60_000, later);
    const signal = armed.signal;
    later.abort(new Error('cancelled while running'));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toEqual(new Error('cancelled while running'));
    armed.dispose();
  });
});

import { DeadlineExceededError } from '../../src/errors';
import { CallBudget } from '../../src/resilience/call-budget';

// A budget makes its AbortController and timer only when its signal is read. Until then every
// question must still get the answer the signal would give.
describe('CallBudget before its signal is read', () => {
  it('answers over the deadline from the clock alone', async () => {
    const budget = CallBudget.start({ timeoutMs: 10, endpoint: 'reports', method: 'render' });
    expect(budget.aborted).toBe(false);
    expect(() => budget.throwIfOver()).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 25));
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

import { TroubleWatch } from '../../src/resilience/trouble-watch';

describe('TroubleWatch', () => {
  it('ends a pause at once when its address has trouble, and forgets it', async () => {
    const watch = new TroubleWatch();
    const started = Date.now();
    const pause = watch.pause('http://127.0.0.1:1', 10_000, new AbortController().signal);
    expect(watch.waitingOn('http://127.0.0.1:1')).toBe(1);
    watch.trouble('http://127.0.0.1:2');
    expect(watch.waitingOn('http://127.0.0.1:1')).toBe(1);
    watch.trouble('http://127.0.0.1:1');
    await pause;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(watch.waitingOn('http://127.0.0.1:1')).toBe(0);
  });

  it('wakes every pause on the address, and each only once', async () => {
    const watch = new TroubleWatch();
    const signal = new AbortController().signal;
    const pauses = [watch.pause('u', 10_000, signal), watch.pause('u', 10_000, signal), watch.pause('u', 10_000, signal)];
    expect(watch.waitingOn('u')).toBe(3);
    watch.trouble('u');
    await Promise.all(pauses);
    expect(watch.waitingOn('u')).toBe(0);
    watch.trouble('u');
  });

  it('ends after its time with no trouble', async () => {
    const watch = new TroubleWatch();
    await watch.pause('u', 20, new AbortController().signal);
    expect(watch.waitingOn('u')).toBe(0);
  });

  it('rejects with the abort reason, before and during the pause', async () => {
    const watch = new TroubleWatch();
    const before = new AbortController();
    before.abort(new Error('gone already'));
    await expect(watch.pause('u', 10_000, before.signal)).rejects.toThrow('gone already');
    const during = new AbortController();
    const pause = watch.pause('u', 10_000, during.signal);
    during.abort(new Error('caller gave up'));
    await expect(pause).rejects.toThrow('caller gave up');
    expect(watch.waitingOn('u')).toBe(0);
  });
});

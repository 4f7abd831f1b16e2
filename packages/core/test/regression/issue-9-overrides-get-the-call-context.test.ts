import { Endpoint, Remote } from '@switchyard/decorators';
import { currentCallContext, type CallContext } from '../../src/router/call-context';
import { createTestRuntime } from '../../src/testing';

// Issue 9: runtime.call's override branch dropped timeoutMs and signal.

@Endpoint({ name: 'priced' })
class Priced {
  @Remote()
  async quote(sku: string): Promise<string> {
    return `real ${sku}`;
  }
}

describe('regression (issue 9): an override receives the call context of runtime.call', () => {
  it('passes timeoutMs (as a deadline) and the signal to the override', async () => {
    let seen: CallContext | undefined;
    const fake = {
      async quote(sku: string): Promise<string> {
        seen = currentCallContext();
        return `fake ${sku}`;
      },
    };
    const runtime = createTestRuntime({ overrides: [[Priced, fake]] });
    const controller = new AbortController();
    const before = Date.now();

    expect(await runtime.call(Priced, 'quote', ['a-1'], { timeoutMs: 5_000, signal: controller.signal })).toBe('fake a-1');

    expect(seen?.signal).toBe(controller.signal);
    expect(seen?.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(seen?.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
    await runtime.close();
  });
});

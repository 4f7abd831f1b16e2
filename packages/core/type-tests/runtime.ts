// Type tests of the runtime's public surface: runtime.get keeps the class's type, runtime.call is
// typed by the method's parameters and result, and per-call options are checked.
import 'reflect-metadata';
import { createRuntime, Endpoint, Remote, type MethodArgs, type MethodResult } from '@switchyard/core';
import { createTestRuntime } from '@switchyard/core/testing';

@Endpoint({ name: 'typed-pricing' })
class Pricing {
  @Remote()
  async quote(sku: string, qty: number): Promise<{ cents: number }> {
    return { cents: qty * sku.length };
  }
  helper(): string {
    return 'local only';
  }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(): T => true as T;

export async function typedCalls(): Promise<void> {
  const runtime = createRuntime({ env: {} });
  const pricing = runtime.get(Pricing);
  const quoted: { cents: number } = await pricing.quote('a-1', 3);
  void quoted;

  const viaCall = await runtime.call(Pricing, 'quote', ['a-1', 3], { timeoutMs: 1_000, signal: new AbortController().signal, callId: 'c-1' });
  assert<Equal<typeof viaCall, { cents: number }>>();
  assert<Equal<MethodArgs<Pricing, 'quote'>, [sku: string, qty: number]>>();
  assert<Equal<MethodResult<Pricing, 'quote'>, { cents: number }>>();

  // @ts-expect-error -- wrong argument types
  await runtime.call(Pricing, 'quote', [3, 'a-1']);
  // @ts-expect-error -- too few arguments
  await runtime.call(Pricing, 'quote', ['a-1']);
  // @ts-expect-error -- no such method
  await runtime.call(Pricing, 'price', []);
  // @ts-expect-error -- an unknown call option
  await runtime.call(Pricing, 'quote', ['a-1', 3], { timeout: 1_000 });
  // @ts-expect-error -- the proxy keeps the class's signature
  await pricing.quote('a-1');

  const test = createTestRuntime({ overrides: [[Pricing, { quote: async () => ({ cents: 1 }) }]] });
  // @ts-expect-error -- an override must fit the class it replaces
  createTestRuntime({ overrides: [[Pricing, { quote: async () => 'not a quote' }]] });
  await test.close();
  await runtime.close();
}

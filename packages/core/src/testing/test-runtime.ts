import type { Constructor } from '@switchyard/decorators';
import { createRuntime, type RuntimeOptions } from '../router/runtime';
import type { Runtime } from '../router/runtime-types';
import { silentLogger } from '../observability/logger';

/** One override: the class and what to use instead (an object with the methods the test needs). */
export type Override<T = unknown> = readonly [Constructor<T>, Partial<T> | T];

/** Options of `createTestRuntime`: every runtime option plus the overrides. */
export interface TestRuntimeOptions extends RuntimeOptions {
  /** Replacements registered before anything resolves; they win over hosted instances and proxies. */
  overrides?: readonly Override<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** `[Class, fake]` pairs, each fake checked against the class it replaces (`T` is the tuple of instance types). */
export type Overrides<T extends readonly unknown[]> = { readonly [K in keyof T]: readonly [Constructor<T[K]>, NoInfer<Partial<T[K]>>] };

/**
 * A runtime for tests: all overrides are registered in its container before the first resolve,
 * so a class that depends on a remote endpoint gets the fake instead of a router proxy.
 * Without a directory, a call to a non-overridden remote endpoint fails with
 * DirectoryUnavailableError (never a silent local run).
 *
 * ```ts
 * const runtime = createTestRuntime({ endpoint: 'orchestrator', overrides: [[ImageProcessor, fakeImages]] });
 * await runtime.get(Orchestrator).processOrder(order);
 * ```
 */
export function createTestRuntime<const T extends readonly unknown[] = []>(options: Omit<TestRuntimeOptions, 'overrides'> & { overrides?: Overrides<T> } = {}): Runtime {
  const { overrides = [], ...runtimeOptions } = options;
  const runtime = createRuntime({ logger: silentLogger, ...runtimeOptions, env: runtimeOptions.env ?? {} });
  for (const [cls, fake] of overrides as readonly Override[]) runtime.container.register(cls, { useValue: fake });
  return runtime;
}


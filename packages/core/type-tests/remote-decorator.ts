// Type tests of @Remote: a remote call is always asynchronous, so only methods returning a
// Promise, and streaming methods (async generators, returning an AsyncIterable), may be decorated. Run by `pnpm test` and `pnpm typecheck` (tsc --noEmit); every
// `@ts-expect-error` line must be an error, or the project fails to compile.
import 'reflect-metadata';
import { Endpoint, Remote } from '@switchyard/core';

@Endpoint({ name: 'typed-remote' })
export class TypedRemote {
  @Remote()
  async asyncMethod(a: number): Promise<number> {
    return a;
  }

  @Remote({ idempotent: true, retries: 2 })
  declaredPromise(): Promise<string> {
    return Promise.resolve('x');
  }

  @Remote()
  async *tokens(prompt: string): AsyncGenerator<string> {
    yield prompt;
  }

  @Remote({ timeoutMs: 60_000 })
  async *declaredIterable(n: number): AsyncIterable<number> {
    yield n;
  }

  // @ts-expect-error -- a synchronous generator: iterating it would block the worker between values
  @Remote()
  *syncGenerator(): Generator<number> {
    yield 1;
  }

  // @ts-expect-error -- a synchronous method: its proxy would return a Promise typed as a number
  @Remote()
  syncMethod(): number {
    return 1;
  }

  // @ts-expect-error -- a method returning void is synchronous too
  @Remote()
  fireAndForget(): void {}

  // @ts-expect-error -- an accessor is not a method
  @Remote()
  get size(): number {
    return 1;
  }

  // @ts-expect-error -- an unknown option
  @Remote({ timeout: 5_000 })
  async misspelledOption(): Promise<void> {}
}

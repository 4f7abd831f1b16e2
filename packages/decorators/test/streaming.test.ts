import { DecoratorError, Endpoint, Remote, forgetEndpoint, getEndpointMetadata, getRemoteMethod } from '@switchyard/decorators';

describe('@Remote on streaming (async generator) methods', () => {
  afterEach(() => forgetEndpoint());

  it('accepts an async generator method and records streaming: true; a Promise method records streaming: false', () => {
    @Endpoint({ name: 'llm' })
    class Llm {
      @Remote({ timeoutMs: 60_000 })
      async *tokens(prompt: string, max: number): AsyncGenerator<string> {
        for (let i = 0; i < max; i++) yield `${prompt}-${i}`;
      }

      @Remote()
      async complete(prompt: string): Promise<string> {
        return prompt;
      }
    }

    expect(getRemoteMethod(Llm, 'tokens')).toEqual({
      name: 'tokens',
      property: 'tokens',
      arity: 2,
      rest: false,
      paramTypes: [String, Number],
      timeoutMs: 60_000,
      idempotent: false,
      retries: 0,
      fallback: 'none',
      streaming: true,
    });
    expect(getRemoteMethod(Llm, 'complete')?.streaming).toBe(false);
  });

  it('accepts a streaming method declared to return AsyncIterable, and one without a return annotation', () => {
    @Endpoint({ name: 'numbers' })
    class Numbers {
      @Remote()
      async *upTo(n: number): AsyncIterable<number> {
        for (let i = 1; i <= n; i++) yield i;
      }

      @Remote()
      async *bare() {
        yield 1;
      }
    }
    expect(getEndpointMetadata(Numbers)!.methods.map((m) => [m.name, m.streaming])).toEqual([
      ['upTo', true],
      ['bare', true],
    ]);
  });

  it('keeps the decorated method itself: calling it on a plain instance iterates locally', async () => {
    @Endpoint({ name: 'local-stream' })
    class LocalStream {
      @Remote()
      async *count(n: number): AsyncGenerator<number> {
        for (let i = 0; i < n; i++) yield i;
      }
    }
    const seen: number[] = [];
    for await (const n of new LocalStream().count(3)) seen.push(n);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('refuses a synchronous generator with DecoratorError naming the fix', () => {
    expect(() => {
      @Endpoint({ name: 'sync-gen' })
      class SyncGen {
        // @ts-expect-error -- a synchronous generator is refused by the decorator's type too
        @Remote()
        *numbers(): Generator<number> {
          yield 1;
        }
      }
      void SyncGen;
    }).toThrow(
      new DecoratorError(
        '@Remote on SyncGen.numbers: a synchronous generator (function*) cannot be remote: it would block the worker between values. Make it an async generator (async *numbers(…)) to stream its values, or an async method returning the whole result.',
      ),
    );
  });

  it('refuses a plain method declared to return an AsyncIterable: only an async generator is known to stream', () => {
    expect(() => {
      @Endpoint({ name: 'iterable-returner' })
      class IterableReturner {
        @Remote()
        numbers(): AsyncIterable<number> {
          return (async function* () {
            yield 1;
          })();
        }
      }
      void IterableReturner;
    }).toThrow(/IterableReturner\.numbers: the method returns Object, not a Promise\..* To stream values, make it an async generator method \(async \*numbers\(…\)\)\./);
  });

  it('still refuses a synchronous method returning a primitive, without the streaming hint', () => {
    expect(() => {
      class Sync {
        // @ts-expect-error -- a synchronous method
        @Remote()
        total(): number {
          return 1;
        }
      }
      void Sync;
    }).toThrow(new DecoratorError('@Remote on Sync.total: the method returns Number, not a Promise. A remote call is always asynchronous: declare the method async (or annotate it as returning Promise<…>).'));
  });

  it('a decorated subclass inherits a streaming method as streaming', () => {
    @Endpoint({ name: 'base-stream' })
    class BaseStream {
      @Remote()
      async *items(): AsyncGenerator<string> {
        yield 'base';
      }
    }
    @Endpoint({ name: 'derived-stream' })
    class DerivedStream extends BaseStream {}
    expect(getRemoteMethod(DerivedStream, 'items')?.streaming).toBe(true);
  });
});

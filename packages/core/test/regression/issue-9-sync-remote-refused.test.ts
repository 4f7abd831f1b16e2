import { DecoratorError, Endpoint, Remote } from '@switchyard/decorators';

// Issue 9: the proxy was typed as T, so a synchronous @Remote method was typed as returning its
// value while its proxy returned a Promise. It is now a compile-time error (see the type tests)
// and, where no compiler checked it, a DecoratorError at declaration.

describe('regression (issue 9): @Remote accepts only methods that return a Promise', () => {
  it('refuses a synchronous method at declaration, naming it and the fix', () => {
    expect(() => {
      @Endpoint({ name: 'sync-refused' })
      class SyncRefused {
        // @ts-expect-error -- a synchronous method cannot be remote
        @Remote()
        total(a: number, b: number): number {
          return a + b;
        }
      }
      void SyncRefused;
    }).toThrow(new DecoratorError('@Remote on SyncRefused.total: the method returns Number, not a Promise. A remote call is always asynchronous: declare the method async (or annotate it as returning Promise<…>).'));
  });

  it('refuses a method without a declared return type unless it is async (plain JavaScript)', () => {
    class Plain {
      total(): number {
        return 1;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Plain.prototype, 'total')!;
    // Plain JavaScript states the parameter types itself, as a compiler would (issue 13).
    const decorators = [Remote(), Reflect.metadata('design:paramtypes', [])] as MethodDecorator[];
    expect(() => Reflect.decorate(decorators, Plain.prototype, 'total', descriptor)).toThrow(/returns a value, not a Promise/);
  });

  it('accepts async methods and methods declared to return a Promise', () => {
    @Endpoint({ name: 'async-accepted' })
    class Accepted {
      @Remote()
      async a(): Promise<number> {
        return 1;
      }
      @Remote()
      b(): Promise<number> {
        return Promise.resolve(2);
      }
    }
    expect(new Accepted()).toBeDefined();
  });
});

import { DecoratorError, Endpoint, Remote, forgetEndpoint, type EndpointOptions, type RemoteOptions } from '@switchyard/decorators';

/** Declares a one-method endpoint class with the given @Remote options. */
function declareWithRemote(options: unknown): void {
  @Endpoint()
  class WithRemote {
    @Remote(options as RemoteOptions)
    async run(): Promise<void> {}
  }
  void WithRemote;
}

/** Declares an endpoint class with the given @Endpoint options. */
function declareWithEndpoint(options: unknown): void {
  @Endpoint(options as EndpointOptions)
  class WithEndpoint {}
  void WithEndpoint;
}

describe('decorator misuse fails at decoration time with DecoratorError', () => {
  afterEach(() => forgetEndpoint());

  it('refuses @Remote on a property', () => {
    expect(() => {
      class HasField {
        // @ts-expect-error: @Remote is a method decorator; on a field TypeScript rejects it too.
        @Remote()
        value = 1;
      }
      void HasField;
    }).toThrow(new DecoratorError('@Remote on HasField.value: @Remote decorates methods only, not properties or accessors.'));
  });

  it('refuses @Remote on an accessor', () => {
    expect(() => {
      class HasGetter {
        // @ts-expect-error -- an accessor is no method: the compiler refuses it, and plain JS gets a DecoratorError
        @Remote()
        get size(): number {
          return 1;
        }
      }
      void HasGetter;
    }).toThrow(/@Remote on HasGetter\.size: @Remote decorates methods only, not properties or accessors/);
  });

  it('refuses @Remote on a static method', () => {
    expect(() => {
      class HasStatic {
        @Remote()
        static async create(): Promise<void> {}
      }
      void HasStatic;
    }).toThrow(/@Remote on HasStatic\.create: static methods cannot be remote/);
  });

  it('refuses @Remote on a symbol-named method', () => {
    const key = Symbol('run');
    expect(() => {
      class HasSymbol {
        @Remote()
        async [key](): Promise<void> {}
      }
      void HasSymbol;
    }).toThrow(/symbol-named methods cannot be remote/);
  });

  it.each<[string, unknown, RegExp]>([
    ['a zero timeout', { timeoutMs: 0 }, /timeoutMs must be a positive integer number of milliseconds, got 0/],
    ['a negative timeout', { timeoutMs: -100 }, /timeoutMs must be a positive integer number of milliseconds, got -100/],
    ['a fractional timeout', { timeoutMs: 1.5 }, /timeoutMs must be a positive integer/],
    ['a string timeout', { timeoutMs: '100' }, /timeoutMs must be a positive integer number of milliseconds, got "100"/],
    ['a non-boolean idempotent', { idempotent: 'yes' }, /idempotent must be true or false, got "yes"/],
    ['negative retries', { retries: -1, idempotent: true }, /retries must be a non-negative integer, got -1/],
    ['retries without idempotent', { retries: 2 }, /retries > 0 needs idempotent: true/],
    ['an unknown fallback', { fallback: 'remote' }, /fallback "remote" is unknown\. Use 'none' or 'local'/],
    ['an unknown option key', { timeout: 100 }, /unknown option "timeout"\. Allowed options: name, timeoutMs, idempotent, retries, fallback/],
    ['a route name with a dot', { name: 'a.b' }, /name "a\.b" is invalid/],
    ['options that are not an object', 'fast', /options must be an object, got "fast"/],
  ])('refuses @Remote with %s', (_case, options, message) => {
    const attempt = (): void => declareWithRemote(options);
    expect(attempt).toThrow(DecoratorError);
    expect(attempt).toThrow(message);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown type', { type: 'serverless' }, /type "serverless" is unknown\. Use 'queue' or 'load-balancer'/],
    ['an unknown option key', { replicas: 2 }, /unknown option "replicas"\. Allowed options: name, type, resources/],
    ['an invalid name', { name: 'image processor' }, /name "image processor" is invalid\. Use 1-64 letters, digits/],
    ['an unknown resources key', { resources: { gpus: 'A40' } }, /resources: unknown option "gpus"/],
    ['an empty gpu list', { resources: { gpu: [] } }, /resources\.gpu must be a non-empty string or array of strings/],
    ['zero workersMax', { resources: { workersMax: 0 } }, /resources\.workersMax must be a positive integer, got 0/],
    ['workersMin above workersMax', { resources: { workersMin: 3, workersMax: 1 } }, /workersMin \(3\) is greater than workersMax \(1\)/],
    ['a non-string env value', { resources: { env: { DEBUG: 1 } } }, /resources\.env must map variable names to string values/],
  ])('refuses @Endpoint with %s', (_case, options, message) => {
    const attempt = (): void => declareWithEndpoint(options);
    expect(attempt).toThrow(DecoratorError);
    expect(attempt).toThrow(message);
  });

  it('refuses two endpoint classes with one name and names both classes', () => {
    @Endpoint({ name: 'images' })
    class First {}
    void First;

    expect(() => {
      @Endpoint({ name: 'images' })
      class Second {}
      void Second;
    }).toThrow(/@Endpoint on class Second: the endpoint name "images" is already used by class First/);
  });

  it('refuses two routes with one name in a class', () => {
    expect(() => {
      @Endpoint()
      class Clash {
        @Remote({ name: 'resize' })
        async resizeFast(): Promise<void> {}
        @Remote({ name: 'resize' })
        async resizeSlow(): Promise<void> {}
      }
      void Clash;
    }).toThrow(/the route name "resize" is already used in Clash/);
  });

  it('refuses a subclass route that reuses an inherited route name for another method', () => {
    class Base {
      @Remote({ name: 'go' })
      async start(): Promise<void> {}
    }

    expect(() => {
      @Endpoint()
      class Derived extends Base {
        @Remote({ name: 'go' })
        async begin(): Promise<void> {}
      }
      void Derived;
    }).toThrow(/@Endpoint on class Derived: methods "start" and "begin" both use the route name "go"/);
  });

  it('gives misuse errors the DECORATOR_MISUSE code', () => {
    try {
      declareWithRemote({ timeoutMs: -1 });
      throw new Error('expected a DecoratorError');
    } catch (error) {
      expect(error).toBeInstanceOf(DecoratorError);
      expect((error as DecoratorError).code).toBe('DECORATOR_MISUSE');
      expect((error as DecoratorError).name).toBe('DecoratorError');
    }
  });
});

import { container } from 'tsyringe';
import { Endpoint, Remote, forgetEndpoint, getEndpointMetadata, listEndpoints } from '@switchyard/decorators';
import { Clock } from './fixtures/clock';

describe('@Endpoint inheritance', () => {
  afterEach(() => forgetEndpoint());

  it('does not make an undecorated subclass an endpoint', () => {
    @Endpoint({ name: 'base' })
    class Base {
      @Remote()
      async run(): Promise<string> {
        return 'base';
      }
    }
    class Undecorated extends Base {}

    expect(getEndpointMetadata(Undecorated)).toBeUndefined();
    expect(listEndpoints().map((e) => e.target)).toEqual([Base]);
  });

  it('gives a decorated subclass the inherited @Remote methods plus its own, in declaration order', () => {
    @Endpoint({ name: 'base' })
    class Base {
      @Remote({ timeoutMs: 1_000 })
      async run(): Promise<string> {
        return 'base';
      }
    }

    @Endpoint({ name: 'derived' })
    class Derived extends Base {
      @Remote()
      async extra(): Promise<string> {
        return 'extra';
      }
    }

    const meta = getEndpointMetadata(Derived)!;
    expect(meta.name).toBe('derived');
    expect(meta.methods.map((m) => [m.name, m.timeoutMs])).toEqual([
      ['run', 1_000],
      ['extra', undefined],
    ]);
    expect(getEndpointMetadata(Base)!.methods.map((m) => m.name)).toEqual(['run']);
  });

  it("lets a subclass override a @Remote method's options without changing the base class", async () => {
    @Endpoint({ name: 'base' })
    class Base {
      @Remote({ timeoutMs: 1_000 })
      async run(): Promise<string> {
        return 'base';
      }
    }

    @Endpoint({ name: 'derived' })
    class Derived extends Base {
      @Remote({ timeoutMs: 9_000, idempotent: true })
      override async run(): Promise<string> {
        return 'derived';
      }
    }

    expect(getEndpointMetadata(Derived)!.methods).toEqual([expect.objectContaining({ name: 'run', timeoutMs: 9_000, idempotent: true })]);
    expect(getEndpointMetadata(Base)!.methods).toEqual([expect.objectContaining({ name: 'run', timeoutMs: 1_000, idempotent: false })]);
    await expect(new Derived().run()).resolves.toBe('derived');
  });

  it('keeps a method remote when a subclass overrides it without @Remote', () => {
    class Base {
      @Remote({ retries: 1, idempotent: true })
      async run(): Promise<string> {
        return 'base';
      }
    }

    @Endpoint({ name: 'derived' })
    class Derived extends Base {
      override async run(): Promise<string> {
        return 'derived';
      }
    }

    expect(getEndpointMetadata(Derived)!.methods).toEqual([expect.objectContaining({ name: 'run', retries: 1 })]);
  });

  it('does not inherit the endpoint name: a decorated subclass defaults to its own class name', () => {
    @Endpoint({ name: 'base' })
    class Base {}

    @Endpoint()
    class Child extends Base {}

    expect(getEndpointMetadata(Child)!.name).toBe('Child');
    expect(listEndpoints().map((e) => e.name).sort()).toEqual(['Child', 'base']);
  });

  it("inherits the base class's constructor dependencies and resolves them", () => {
    @Endpoint({ name: 'base' })
    class Base {
      constructor(readonly clock: Clock) {}
    }

    @Endpoint({ name: 'derived' })
    class Derived extends Base {}

    expect(getEndpointMetadata(Derived)!.dependencies).toEqual([Clock]);
    expect(container.createChildContainer().resolve(Derived).clock).toBeInstanceOf(Clock);
  });
});

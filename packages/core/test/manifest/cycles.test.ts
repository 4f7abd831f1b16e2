import { delay, inject, injectable } from 'tsyringe';
import { Endpoint, forgetEndpoint } from '@switchyard/decorators';
import { ManifestError } from '../../src/errors';
import { buildManifest } from '../../src/manifest';
import { findCycle } from '../../src/manifest/cycles';

/** Runs buildManifest and returns the ManifestError it must throw. */
function buildError(): ManifestError {
  try {
    buildManifest();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected buildManifest to throw a ManifestError');
}

describe('call cycle detection in buildManifest', () => {
  afterEach(() => forgetEndpoint());

  it('refuses two endpoints that need each other, naming the cycle', () => {
    @Endpoint({ name: 'a' })
    class A {
      constructor(@inject(delay(() => B)) readonly b: object) {}
    }
    @Endpoint({ name: 'b' })
    class B {
      constructor(readonly a: A) {}
    }
    void B;

    const error = buildError();
    expect(error.file).toBe('<build>');
    expect(error.path).toBe('endpoints["a"].dependsOn');
    expect(error.message).toBe(
      '<build>: endpoints["a"].dependsOn forms a call cycle a -> b -> a (constructors A -> B -> A): a synchronous call cycle across serverless endpoints can deadlock; remove one of these constructor dependencies.',
    );
  });

  it('refuses a cycle through a third endpoint', () => {
    @Endpoint({ name: 'alpha' })
    class Alpha {
      constructor(@inject(delay(() => Beta)) readonly beta: object) {}
    }
    @Endpoint({ name: 'gamma' })
    class Gamma {
      constructor(readonly alpha: Alpha) {}
    }
    @Endpoint({ name: 'beta' })
    class Beta {
      constructor(readonly gamma: Gamma) {}
    }
    void Beta;

    expect(buildError().message).toContain('forms a call cycle alpha -> beta -> gamma -> alpha (constructors Alpha -> Beta -> Gamma -> Alpha)');
  });

  it('refuses a cycle that passes through a plain injectable class', () => {
    @Endpoint({ name: 'ping' })
    class Ping {
      constructor(@inject(delay(() => PongClient)) readonly pong: object) {}
    }
    @Endpoint({ name: 'pong' })
    class Pong {
      constructor(readonly ping: Ping) {}
    }
    @injectable()
    class PongClient {
      constructor(readonly pong: Pong) {}
    }
    void PongClient;

    expect(buildError().message).toContain('forms a call cycle ping -> pong -> ping');
  });

  it('refuses an endpoint that needs itself', () => {
    // swc records a self-referencing parameter type as Object, so the dependency is spelt out.
    @Endpoint({ name: 'narcissus' })
    class Narcissus {
      constructor(@inject(Narcissus) readonly self: object) {}
    }
    void Narcissus;

    const error = buildError();
    expect(error.path).toBe('endpoints["narcissus"].dependsOn');
    expect(error.message).toContain('forms a call cycle narcissus -> narcissus (constructors Narcissus -> Narcissus)');
  });

  it('accepts a diamond (two paths to one endpoint are not a cycle)', () => {
    @Endpoint({ name: 'store' })
    class Store {}
    @Endpoint({ name: 'left' })
    class Left {
      constructor(readonly store: Store) {}
    }
    @Endpoint({ name: 'right' })
    class Right {
      constructor(readonly store: Store) {}
    }
    @Endpoint({ name: 'top' })
    class Top {
      constructor(
        readonly left: Left,
        readonly right: Right,
      ) {}
    }
    void Top;

    expect(buildManifest().endpoints.top.dependsOn).toEqual(['left', 'right']);
  });
});

describe('findCycle', () => {
  it('returns undefined for an acyclic graph', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toBeUndefined();
  });

  it('returns the cycle closed and starting at its smallest name', () => {
    expect(findCycle(new Map([['x', ['y']], ['y', ['c']], ['c', ['x']]]))).toEqual(['c', 'x', 'y', 'c']);
  });

  it('reports a self-loop', () => {
    expect(findCycle(new Map([['a', []], ['b', ['b']]]))).toEqual(['b', 'b']);
  });

  it('ignores edges to names outside the graph', () => {
    expect(findCycle(new Map([['a', ['ghost']]]))).toBeUndefined();
  });
});

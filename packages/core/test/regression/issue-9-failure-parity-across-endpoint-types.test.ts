import { Endpoint, Remote } from '@switchyard/decorators';
import { RemoteExecutionError, SerializationError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { startLocalCluster, type LocalCluster } from '../../src/testing';

// Issue 9: the same worker-side SerializationError reached the caller as SerializationError over
// a queue endpoint and as InvalidRequestError over a load-balancer endpoint, and a remote
// `new Error('outer', { cause })` arrived without its cause.

abstract class Refusing {
  @Remote()
  async unserializable(): Promise<unknown> {
    return Symbol('cannot travel');
  }

  @Remote()
  async nested(): Promise<never> {
    throw new Error('outer', { cause: new TypeError('inner') });
  }
}

@Endpoint({ name: 'parity-queue' })
class ParityQueue extends Refusing {}

@Endpoint({ name: 'parity-lb', type: 'load-balancer' })
class ParityLb extends Refusing {}

describe('regression (issue 9): a remote failure comes back the same way over queue and load-balancer endpoints', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocalCluster({ endpoints: [ParityQueue, ParityLb], logger: silentLogger });
  });
  afterAll(() => cluster.stop());

  it.each([
    ['queue', ParityQueue],
    ['load-balancer', ParityLb],
  ] as const)('a result the worker cannot serialize is SerializationError over a %s endpoint', async (_type, cls) => {
    const error = await cluster.client().get(cls).unserializable().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).message).toContain('cannot be serialized');
  });

  it.each([
    ['queue', ParityQueue],
    ['load-balancer', ParityLb],
  ] as const)("a remote error's cause arrives with it over a %s endpoint", async (_type, cls) => {
    const error = (await cluster.client().get(cls).nested().catch((e: unknown) => e)) as RemoteExecutionError;
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.remote.message).toBe('outer');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TypeError');
    expect((error.cause as Error).message).toBe('inner');
  });
});

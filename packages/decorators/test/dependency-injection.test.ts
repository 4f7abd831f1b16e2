import { container, injectable } from 'tsyringe';
import { Endpoint, Remote, forgetEndpoint, getEndpointMetadata } from '@switchyard/decorators';
import { Clock } from './fixtures/clock';

describe('@Endpoint classes and tsyringe', () => {
  afterEach(() => forgetEndpoint());

  it('lets a child container build an endpoint, injecting a class from another file by constructor type', async () => {
    @Endpoint({ name: 'reporter' })
    class Reporter {
      constructor(readonly clock: Clock) {}
      @Remote()
      async stamp(): Promise<number> {
        return this.clock.now();
      }
    }

    const child = container.createChildContainer();
    const reporter = child.resolve(Reporter);

    expect(reporter).toBeInstanceOf(Reporter);
    expect(reporter.clock).toBeInstanceOf(Clock);
    await expect(reporter.stamp()).resolves.toBe(1_700_000_000_000);
  });

  it('registers nothing in the global container', () => {
    @Endpoint({ name: 'silent' })
    class Silent {}

    expect(getEndpointMetadata(Silent)?.name).toBe('silent');
    expect(container.isRegistered(Silent)).toBe(false);
    expect(container.isRegistered(Silent, true)).toBe(false);
  });

  it('builds a fresh instance per resolve unless a container registers it as a singleton', () => {
    @Endpoint({ name: 'counter' })
    class Counter {}

    const child = container.createChildContainer();
    expect(child.resolve(Counter)).not.toBe(child.resolve(Counter));

    child.registerSingleton(Counter);
    expect(child.resolve(Counter)).toBe(child.resolve(Counter));
    expect(container.isRegistered(Counter)).toBe(false);
  });

  it('injects one endpoint into another through an injectable plain class', async () => {
    @Endpoint({ name: 'storage' })
    class Storage {
      @Remote()
      async put(key: string): Promise<string> {
        return `stored ${key}`;
      }
    }

    @injectable()
    class Uploader {
      constructor(readonly storage: Storage) {}
    }

    @Endpoint({ name: 'workflow' })
    class Workflow {
      constructor(
        readonly uploader: Uploader,
        readonly clock: Clock,
      ) {}
    }

    const child = container.createChildContainer();
    child.register(Clock, { useValue: { now: () => 42 } });
    const workflow = child.resolve(Workflow);

    await expect(workflow.uploader.storage.put('a')).resolves.toBe('stored a');
    expect(workflow.clock.now()).toBe(42);
    expect(getEndpointMetadata(Workflow)!.dependencies).toEqual([Uploader, Clock]);
  });
});

import { IsEmail } from 'class-validator';
import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory';
import { InvalidRequestError, RemoteExecutionError, SwitchyardError } from '../../src/errors';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { defaultSerializer } from '../../src/serialization/serializer';
import { serve } from '../../src/worker/serve';
import { RunpodJobService } from '../support/runpod-job-service';
import { TEST_KEY, invocation, request } from '../support/helpers';

class SignupDto {
  @IsEmail() email!: string;
}

@Endpoint({ name: 'options-greeter' })
class OptionsGreeter {
  @Remote() async greet(name: string): Promise<string> {
    return `Hello, ${name}`;
  }

  @Remote() async signup(form: SignupDto): Promise<string> {
    return `welcome ${form.email}`;
  }

  @Remote() async refuse(): Promise<never> {
    throw new TypeError('not today');
  }
}

@Endpoint({ name: 'options-unhosted' })
class OptionsUnhosted {
  @Remote() async nothing(): Promise<void> {}
}

describe('serve() start-up and options', () => {
  const logger = new MemoryLogger();

  it.each(['http', 'load-balancer'] as const)('refuses to start an unauthenticated %s server when no key is set', async (mode) => {
    const attempt = serve({ endpoints: [OptionsGreeter], mode, env: {}, logger });
    await expect(attempt).rejects.toBeInstanceOf(SwitchyardError);
    await expect(serve({ endpoints: [OptionsGreeter], mode, env: {}, logger })).rejects.toThrow('Set RUNPOD_API_KEY or pass serve({ apiKey })');
  });

  it('takes the key from RUNPOD_API_KEY by default', async () => {
    await using worker = await serve({ endpoints: [OptionsGreeter], env: { RUNPOD_API_KEY: 'from-env-key' }, logger });
    expect((await request(`${worker.url}/v2/options-greeter/health`, { key: 'from-env-key' })).status).toBe(200);
    expect((await request(`${worker.url}/v2/options-greeter/health`)).status).toBe(401);
  });

  it('refuses a class without @Endpoint, an empty list and an unknown mode', async () => {
    class NotAnEndpoint {}
    await expect(serve({ endpoints: [NotAnEndpoint], apiKey: TEST_KEY, logger })).rejects.toThrow('not decorated with @Endpoint');
    await expect(serve({ endpoints: [], apiKey: TEST_KEY, logger })).rejects.toThrow('at least one @Endpoint class');
    await expect(serve({ endpoints: [OptionsGreeter], apiKey: TEST_KEY, mode: 'ftp' as never, logger })).rejects.toThrow("Use 'http', 'runpod' or 'load-balancer'");
  });

  it('refuses a runtime that does not host the endpoints, and a bad port', async () => {
    const runtime = createRuntime({ endpoint: 'options-greeter', logger });
    try {
      await expect(serve({ endpoints: [OptionsUnhosted], runtime, apiKey: TEST_KEY, logger })).rejects.toThrow('does not host "options-unhosted"');
      await expect(serve({ endpoints: [OptionsGreeter], runtime, apiKey: TEST_KEY, port: 70_000, logger })).rejects.toThrow('is not a port number');
    } finally {
      await runtime.close();
    }
  });

  it('reports a port that is taken as a SwitchyardError naming host and port', async () => {
    await using first = await serve({ endpoints: [OptionsGreeter], apiKey: TEST_KEY, logger });
    const port = Number(new URL(first.url).port);
    await expect(serve({ endpoints: [OptionsGreeter], apiKey: TEST_KEY, port, logger })).rejects.toThrow(`could not listen on 127.0.0.1:${port}`);
  });

  it('uses a given runtime and leaves it open on close()', async () => {
    const runtime = createRuntime({ endpoint: 'options-greeter', logger });
    try {
      const worker = await serve({ endpoints: [OptionsGreeter], runtime, apiKey: TEST_KEY, logger });
      const res = await request(`${worker.url}/v2/options-greeter/runsync`, { body: { input: invocation(OptionsGreeter, 'greet', ['Lin']) } });
      expect(res.body.status).toBe('COMPLETED');
      await worker.close();
      await worker.close(); // idempotent
      expect(await runtime.get(OptionsGreeter).greet('again')).toBe('Hello, again');
    } finally {
      await runtime.close();
    }
  });
});

describe('serve() end to end: a client runtime calls the worker through RunpodExecutor', () => {
  it('returns results, lists DTO violations and surfaces remote errors through the router proxy', async () => {
    const logger = new MemoryLogger();
    await using worker = await serve({ endpoints: [OptionsGreeter], apiKey: TEST_KEY, logger });
    const client = createRuntime({
      endpoint: [],
      directory: new StaticDirectory({ 'options-greeter': `${worker.url}/v2/options-greeter` }),
      apiKey: TEST_KEY,
      logger,
    });
    try {
      const greeter = client.get(OptionsGreeter);
      expect(await greeter.greet('Ada')).toBe('Hello, Ada');

      const invalid = (await greeter.signup({ email: 'not-an-email' }).catch((e: unknown) => e)) as InvalidRequestError;
      expect(invalid).toBeInstanceOf(InvalidRequestError);
      expect(invalid.details).toEqual(['argument 1 (SignupDto).email: email must be an email']);

      const failed = (await greeter.refuse().catch((e: unknown) => e)) as RemoteExecutionError;
      expect(failed).toBeInstanceOf(RemoteExecutionError);
      expect(failed.remote).toMatchObject({ name: 'TypeError', message: 'not today' });
    } finally {
      await client.close();
    }
    expect(JSON.stringify(logger.records)).not.toContain(TEST_KEY);
  });
});

describe("serve() in runpod mode", () => {
  it('takes jobs from RunPod’s job service and posts their Switchyard outputs; url is empty', async () => {
    const service = await RunpodJobService.start();
    try {
      const worker = await serve({ endpoints: [OptionsGreeter], mode: 'runpod', env: service.env(), logger: new MemoryLogger() });
      try {
        expect(worker.url).toBe('');
        service.pushJob({ id: 'job-ok', input: invocation(OptionsGreeter, 'greet', ['RunPod']) }, { id: 'job-bad', input: invocation(OptionsGreeter, 'nope', []) });
        const ok = await service.waitForResult('job-ok');
        expect(defaultSerializer.decode((ok.body.output as { result: unknown }).result)).toBe('Hello, RunPod');
        const bad = await service.waitForResult('job-bad');
        expect(JSON.parse(bad.body.error as string)).toMatchObject({ name: 'RouteNotFoundError', method: 'nope' });
      } finally {
        await worker.close();
      }
    } finally {
      await service.close();
    }
  });

  it('needs no API key of its own (the platform authenticates callers)', async () => {
    await expect(serve({ endpoints: [OptionsGreeter], mode: 'runpod', env: {}, logger: new MemoryLogger() })).rejects.toThrow('RUNPOD_WEBHOOK_GET_JOB is not set');
  });
});

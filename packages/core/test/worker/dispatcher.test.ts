import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { Endpoint, Remote } from '@switchyard/decorators';
import { SwitchyardError } from '../../src/errors';
import { MemoryLogger } from '../../src/observability/logger';
import { currentCallContext } from '../../src/router/call-context';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { defaultSerializer } from '../../src/serialization/serializer';
import type { WireFailure } from '../../src/errors';
import type { WireOutput } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import type { JobOutcome } from '../../src/worker/dispatcher-types';
import { gate, invocation, type Gate } from '../support/helpers';

class AuthorDto {
  @IsString() @IsNotEmpty() name!: string;
}

class CreateReportDto {
  @IsString() @MinLength(3) title!: string;
  @IsInt() @Min(1) pages!: number;
  @ValidateNested() @Type(() => AuthorDto) author?: AuthorDto;
  describe(): string {
    return `${this.title} (${this.pages} pages)`;
  }
}

class QuotaError extends Error {
  override name = 'QuotaError';
  readonly code = 'QUOTA';
  constructor(message: string, readonly remaining: number) {
    super(message);
  }
}

const held: { gate?: Gate<number> } = {};

@Endpoint({ name: 'dispatch-reports' })
class DispatchReports {
  static calls = 0;

  @Remote() async add(a: number, b: number): Promise<number> {
    DispatchReports.calls++;
    return a + b;
  }

  @Remote() async held(): Promise<number> {
    DispatchReports.calls++;
    return held.gate!.promise;
  }

  @Remote() async nextDay(day: Date): Promise<Date> {
    return new Date(day.getTime() + 86_400_000);
  }

  @Remote() async create(report: CreateReportDto): Promise<string> {
    return report instanceof CreateReportDto ? report.describe() : 'not a CreateReportDto';
  }

  @Remote() async watch(label: string, signal: AbortSignal): Promise<string> {
    if (!(signal instanceof AbortSignal)) return 'no signal';
    const aborted = () => `${label} aborted by ${(signal.reason as Error).name}`;
    if (signal.aborted) return aborted();
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(aborted()), { once: true });
    });
  }

  @Remote() async context(): Promise<{ deadline?: number; traceparent?: string; hasSignal: boolean }> {
    const ctx = currentCallContext();
    return { deadline: ctx?.deadline, traceparent: ctx?.traceparent, hasSignal: ctx?.signal instanceof AbortSignal };
  }

  @Remote() async explode(message: string): Promise<never> {
    throw new QuotaError(message, 7);
  }

  @Remote() async throwString(): Promise<never> {
    throw 'plain text';
  }

  @Remote() async unserializable(): Promise<unknown> {
    return {
      get broken(): never {
        throw new Error('this getter cannot be read');
      },
    };
  }

  @Remote({ name: 'renamed' }) async internalName(): Promise<string> {
    return 'via route name';
  }

  notRemote(): string {
    return 'must never run';
  }
}

@Endpoint({ name: 'dispatch-elsewhere' })
class DispatchElsewhere {
  @Remote() async ping(): Promise<string> {
    return 'pong';
  }
}

function context(signal: AbortSignal = new AbortController().signal) {
  return { jobId: 'job-1', signal };
}

function output(outcome: JobOutcome): unknown {
  expect(outcome.status).toBe('COMPLETED');
  return defaultSerializer.decode((outcome as { output: WireOutput }).output.result);
}

function failure(outcome: JobOutcome, httpStatus: number): WireFailure {
  expect(outcome).toMatchObject({ status: 'FAILED', httpStatus });
  return (outcome as { failure: WireFailure }).failure;
}

describe('Dispatcher', () => {
  let runtime: Runtime;
  let dispatcher: Dispatcher;

  beforeEach(() => {
    runtime = createRuntime({ endpoint: 'dispatch-reports', logger: new MemoryLogger() });
    dispatcher = new Dispatcher({ runtime, endpoints: [DispatchReports, DispatchElsewhere] });
    DispatchReports.calls = 0;
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await runtime.close();
  });

  it('runs a @Remote method of a hosted endpoint and returns {sy:1, result} encoded with the serializer', async () => {
    const outcome = await dispatcher.dispatch(invocation(DispatchReports, 'add', [2, 3]), context());
    expect((outcome as { output: WireOutput }).output.sy).toBe(1);
    expect(output(outcome)).toBe(5);
    const day = new Date('2030-01-01T00:00:00Z');
    expect(output(await dispatcher.dispatch(invocation(DispatchReports, 'nextDay', [day]), context()))).toEqual(new Date('2030-01-02T00:00:00Z'));
  });

  it('looks methods up by route name, not by property name', async () => {
    expect(output(await dispatcher.dispatch(invocation(DispatchReports, 'renamed', []), context()))).toBe('via route name');
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'internalName', []), context()), 404);
    expect(error.name).toBe('RouteNotFoundError');
  });

  it('refuses an unknown method with RouteNotFoundError (404) and runs nothing', async () => {
    const spies = ['add', 'held', 'notRemote'].map((m) => jest.spyOn(DispatchReports.prototype, m as 'add'));
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'delete', [1]), context()), 404);
    expect(error).toMatchObject({ name: 'RouteNotFoundError', code: 'ROUTE_NOT_FOUND', endpoint: 'dispatch-reports', method: 'delete' });
    expect(error.message).toContain('no @Remote method "delete"');
    expect(error.message).toContain('add');
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it.each(['notRemote', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '__defineGetter__'])(
    'never reaches %s, which is not a @Remote method',
    async (name) => {
      const spy = jest.spyOn(DispatchReports.prototype, 'notRemote');
      const error = failure(await dispatcher.dispatch(invocation(DispatchReports, name, []), context()), 404);
      expect(error.name).toBe('RouteNotFoundError');
      expect(spy).not.toHaveBeenCalled();
    },
  );

  it('refuses an endpoint this runtime does not host, even if its class was given', async () => {
    const spy = jest.spyOn(DispatchElsewhere.prototype, 'ping');
    const error = failure(await dispatcher.dispatch(invocation(DispatchElsewhere, 'ping', []), context()), 404);
    expect(error.message).toContain('"dispatch-elsewhere" is not hosted by this worker');
    expect(spy).not.toHaveBeenCalled();
    expect(dispatcher.endpointNames).toEqual(['dispatch-reports']);
  });

  it('refuses an invocation sent to another endpoint than the one it names', async () => {
    const outcome = await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 1]), { ...context(), endpoint: 'dispatch-elsewhere' });
    expect(failure(outcome, 404).message).toContain('was sent to endpoint "dispatch-elsewhere"');
    expect(DispatchReports.calls).toBe(0);
  });

  it.each([
    ['undefined input', undefined],
    ['a string', 'add'],
    ['wrong wire version', { ...invocationShape(), sy: 2 }],
    ['args that are not encoded', { ...invocationShape(), args: [1, 2] }],
    ['an empty method name', { ...invocationShape(), method: '' }],
    ['a deadline that is not a number', { ...invocationShape(), deadline: 'soon' }],
  ])('fails %s with InvalidRequestError (400) without throwing', async (_label, input) => {
    const error = failure(await dispatcher.dispatch(input, context()), 400);
    expect(error).toMatchObject({ name: 'InvalidRequestError', code: 'INVALID_REQUEST' });
    expect(error.message).toContain('invalid Switchyard invocation');
    expect(DispatchReports.calls).toBe(0);
  });

  it('refuses a contract mismatch with ContractMismatchError (409) saying the builds differ', async () => {
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 2], { contract: 'feedfacefeedface' }), context()), 409);
    expect(error).toMatchObject({ name: 'ContractMismatchError', code: 'CONTRACT_MISMATCH', endpoint: 'dispatch-reports', method: 'add' });
    expect(error.message).toContain('different versions');
    expect(error.message).toContain('Redeploy the worker or rebuild the caller');
    expect(error.fields).toMatchObject({ actual: 'feedfacefeedface' });
    expect(DispatchReports.calls).toBe(0);
  });

  it('runs a call that carries no contract', async () => {
    expect(output(await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 2], { contract: undefined }), context()))).toBe(3);
  });

  it('refuses a call whose deadline already passed with DeadlineExceededError (504) without running it', async () => {
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 2], { deadline: Date.now() - 1 }), context()), 504);
    expect(error).toMatchObject({ name: 'DeadlineExceededError', code: 'DEADLINE_EXCEEDED', fields: { jobId: 'job-1' } });
    expect(error.message).toContain('after its deadline');
    expect(DispatchReports.calls).toBe(0);
  });

  it('refuses more arguments than the method declares with InvalidRequestError saying how many it takes, and runs nothing', async () => {
    const tooMany = failure(await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 2, 3]), context()), 400);
    expect(tooMany.message).toContain('dispatch-reports.add takes at most 2 argument(s) but got 3; its signature is add(Number, Number)');
    expect(tooMany.message).not.toMatch(/version|rebuild|redeploy/i);
    expect(tooMany.details).toEqual(['expected at most 2 argument(s), got 3']);
    expect(DispatchReports.calls).toBe(0);
  });

  it('passes missing trailing arguments as undefined, as a local call does (optional parameters)', async () => {
    const outcome = await dispatcher.dispatch(invocation(DispatchReports, 'add', [1]), context());
    expect(output(outcome)).toBeNaN();
  });

  it('converts a plain object to its DTO class and validates it', async () => {
    const outcome = await dispatcher.dispatch(invocation(DispatchReports, 'create', [{ title: 'Q3 numbers', pages: 12 }]), context());
    expect(output(outcome)).toBe('Q3 numbers (12 pages)');
  });

  it('lists every DTO violation in details and in the message (400), nested ones with their path', async () => {
    const bad = { title: 'Q', pages: 0, author: { name: '' } };
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'create', [bad]), context()), 400);
    expect(error.name).toBe('InvalidRequestError');
    expect(error.details).toEqual(
      expect.arrayContaining([
        'argument 1 (CreateReportDto).title: title must be longer than or equal to 3 characters',
        'argument 1 (CreateReportDto).pages: pages must not be less than 1',
        'argument 1 (CreateReportDto).author.name: name should not be empty',
      ]),
    );
    expect(error.details).toHaveLength(3);
    for (const line of error.details!) expect(error.message).toContain(line);
  });

  it('refuses a DTO argument that is not an object', async () => {
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'create', ['a title']), context()), 400);
    expect(error.details).toEqual(['argument 1 (CreateReportDto): expected an object, got string']);
  });

  it.each([
    ['__proto__', '{"json":[{"__proto__":{"polluted":true}},1]}'],
    ['constructor', '{"json":[{"constructor":{"prototype":{"polluted":true}}},1]}'],
    ['prototype', '{"json":[1,{"nested":{"prototype":{"polluted":true}}}]}'],
  ])('refuses arguments with a %s key (400 SerializationError) and runs nothing', async (key, argsJson) => {
    const input = { ...invocation(DispatchReports, 'add', [1, 2]), args: JSON.parse(argsJson) };
    const error = failure(await dispatcher.dispatch(input, context()), 400);
    expect(error).toMatchObject({ name: 'SerializationError' });
    expect(error.message).toContain(`"${key}"`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(DispatchReports.calls).toBe(0);
  });

  it('passes the job signal to a trailing AbortSignal parameter the caller did not send', async () => {
    const controller = new AbortController();
    const pending = dispatcher.dispatch(invocation(DispatchReports, 'watch', ['job']), context(controller.signal));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(output(await pending)).toBe('job aborted by AbortError');
  });

  it('does not start a method whose job was cancelled before it ran', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 2]), context(controller.signal)), 500);
    expect(error.name).toBe('AbortError');
    expect(DispatchReports.calls).toBe(0);
  });

  it('aborts the method signal when the deadline passes while it runs', async () => {
    const outcome = await dispatcher.dispatch(invocation(DispatchReports, 'watch', ['slow'], { deadline: Date.now() + 150 }), context());
    expect(output(outcome)).toBe('slow aborted by DeadlineExceededError');
  });

  it("runs the method inside the invocation's call context (deadline, traceparent, signal)", async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const inv = invocation(DispatchReports, 'context', [], { traceparent });
    expect(output(await dispatcher.dispatch(inv, context()))).toEqual({ deadline: inv.deadline, traceparent, hasSignal: true });
  });

  it("fails with the method's own error (500): name, message, stack, code, fields, endpoint, method", async () => {
    const error = failure(await dispatcher.dispatch(invocation(DispatchReports, 'explode', ['quota used up']), context()), 500);
    expect(error).toMatchObject({
      name: 'QuotaError',
      message: 'quota used up',
      code: 'QUOTA',
      endpoint: 'dispatch-reports',
      method: 'explode',
      fields: { remaining: 7 },
    });
    expect(error.stack).toContain('QuotaError: quota used up');
  });

  it('reports a thrown non-Error and an unserializable result as 500 failures', async () => {
    expect(failure(await dispatcher.dispatch(invocation(DispatchReports, 'throwString', []), context()), 500)).toMatchObject({
      name: 'NonErrorThrown',
      message: 'plain text',
    });
    expect(failure(await dispatcher.dispatch(invocation(DispatchReports, 'unserializable', []), context()), 500).name).toBe('SerializationError');
  });

  describe('deduplication by callId', () => {
    it('runs a repeated callId once and returns the first outcome', async () => {
      const first = invocation(DispatchReports, 'add', [2, 2]);
      const a = await dispatcher.dispatch(first, context());
      const b = await dispatcher.dispatch({ ...first, args: defaultSerializer.encode([5, 5]) }, context());
      expect(output(a)).toBe(4);
      expect(b).toEqual(a);
      expect(DispatchReports.calls).toBe(1);
    });

    it('shares the in-flight run between concurrent duplicates', async () => {
      held.gate = gate<number>();
      const inv = invocation(DispatchReports, 'held', []);
      const pending = [dispatcher.dispatch(inv, context()), dispatcher.dispatch(inv, context()), dispatcher.dispatch(inv, context())];
      held.gate.open(42);
      const outcomes = await Promise.all(pending);
      expect(outcomes.map(output)).toEqual([42, 42, 42]);
      expect(DispatchReports.calls).toBe(1);
    });

    it('runs different callIds separately', async () => {
      await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 1]), context());
      await dispatcher.dispatch(invocation(DispatchReports, 'add', [1, 1]), context());
      expect(DispatchReports.calls).toBe(2);
    });

    it('forgets a callId after dedupTtlMs and when more than dedupMax are remembered', async () => {
      const short = new Dispatcher({ runtime, endpoints: [DispatchReports], dedupTtlMs: 30, dedupMax: 2 });
      const inv = invocation(DispatchReports, 'add', [1, 1]);
      await short.dispatch(inv, context());
      await new Promise((resolve) => setTimeout(resolve, 60));
      await short.dispatch(inv, context());
      expect(DispatchReports.calls).toBe(2);

      const bounded = new Dispatcher({ runtime, endpoints: [DispatchReports], dedupMax: 2 });
      const [x, y, z] = [1, 2, 3].map((n) => invocation(DispatchReports, 'add', [n, n]));
      for (const inv2 of [x, y, z, x]) await bounded.dispatch(inv2, context());
      expect(DispatchReports.calls).toBe(2 + 4);
      await bounded.dispatch(z, context());
      expect(DispatchReports.calls).toBe(6);
    });
  });

  it('refuses a class without @Endpoint at construction', () => {
    class Plain {}
    expect(() => new Dispatcher({ runtime, endpoints: [Plain] })).toThrow(SwitchyardError);
    expect(() => new Dispatcher({ runtime, endpoints: [Plain] })).toThrow('not decorated with @Endpoint');
  });
});

function invocationShape(): Record<string, unknown> {
  return { sy: 1, endpoint: 'dispatch-reports', method: 'add', args: { json: [1, 2] }, callId: 'c-1', deadline: Date.now() + 60_000 };
}

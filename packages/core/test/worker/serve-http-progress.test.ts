import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { reportProgress } from '../../src/router/call-context';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION } from '../../src/serialization/wire';
import type { WireProgress } from '../../src/worker/dispatcher-types';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, request, type Gate } from '../support/helpers';

const gates = new Map<string, Gate<void>>();

function opened(name: string): Gate<void> {
  const g = gate();
  gates.set(name, g);
  return g;
}

@Endpoint({ name: 'http-progress' })
class ProgressJobs {
  /** Reports each step after the test opens its gate `<tag>-<step>`, then waits for `<tag>-end`. */
  @Remote() async steps(tag: string, steps: string[]): Promise<string> {
    for (const step of steps) {
      await gates.get(`${tag}-${step}`)?.promise;
      reportProgress({ step, at: new Date(Date.UTC(2031, 4, 1)) });
    }
    await gates.get(`${tag}-end`)?.promise;
    return `${tag} finished`;
  }
}

describe('serve() in http mode: progress on /status', () => {
  let worker: WorkerServer;
  let base: string;

  beforeEach(async () => {
    gates.clear();
    worker = await serve({ endpoints: [ProgressJobs], apiKey: TEST_KEY, logger: new MemoryLogger() });
    base = `${worker.url}/v2/http-progress`;
  });

  afterEach(async () => {
    for (const g of gates.values()) g.open();
    await worker.close();
  });

  const status = async (id: string) => (await request(`${base}/status/${id}`)).body;

  it('shows the latest reportProgress of a running job as output: exactly {id, status: IN_PROGRESS, delayTime, executionTime, output: {sy: 1, progress}}', async () => {
    const end = opened('a-end');
    const second = opened('a-second');
    const { body: accepted } = await request(`${base}/run`, { body: { input: invocation(ProgressJobs, 'steps', ['a', ['first', 'second']]) } });
    const id = accepted.id as string;
    const first = await eventually(async () => {
      const view = await status(id);
      return view.output !== undefined ? view : undefined;
    });
    expect(Object.keys(first).sort()).toEqual(['delayTime', 'executionTime', 'id', 'output', 'status']);
    expect(first).toMatchObject({ id, status: 'IN_PROGRESS' });
    const output = first.output as WireProgress;
    expect(Object.keys(output).sort()).toEqual(['progress', 'sy']);
    expect(output.sy).toBe(WIRE_VERSION);
    expect(defaultSerializer.decode(output.progress)).toEqual({ step: 'first', at: new Date(Date.UTC(2031, 4, 1)) });

    second.open();
    const latest = await eventually(async () => {
      const view = await status(id);
      return defaultSerializer.decode<{ step: string }>((view.output as WireProgress).progress).step === 'second' ? view : undefined;
    });
    expect(latest.status).toBe('IN_PROGRESS');

    // Once it completes, output is the result, and the progress is gone.
    end.open();
    const done = await eventually(async () => {
      const view = await status(id);
      return view.status === 'COMPLETED' ? view : undefined;
    });
    expect(defaultSerializer.decode((done.output as { result: unknown }).result)).toBe('a finished');
  });

  it('shows no output on /status while a running job has reported nothing', async () => {
    const begin = opened('b-only');
    const { body: accepted } = await request(`${base}/run`, { body: { input: invocation(ProgressJobs, 'steps', ['b', ['only']]) } });
    const view = await eventually(async () => {
      const v = await status(accepted.id as string);
      return v.status === 'IN_PROGRESS' ? v : undefined;
    });
    expect(Object.keys(view).sort()).toEqual(['delayTime', 'executionTime', 'id', 'status']);
    begin.open();
  });

  it('shows the progress of a /runsync job that outlived its wait: the reply carries the id, /status the progress', async () => {
    const end = opened('c-end');
    const { body: reply } = await request(`${base}/runsync?wait=1000`, { body: { input: invocation(ProgressJobs, 'steps', ['c', ['one']]) } });
    expect(reply).toEqual({ id: expect.stringMatching(/^sync-/), status: 'IN_PROGRESS' });
    const view = await status(reply.id as string);
    expect(view.status).toBe('IN_PROGRESS');
    expect(defaultSerializer.decode((view.output as WireProgress).progress)).toEqual({ step: 'one', at: new Date(Date.UTC(2031, 4, 1)) });
    end.open();
  });
});

describe('reportProgress in load-balancer mode', () => {
  it('does nothing there (no progress channel): the method runs to its result', async () => {
    await using worker = await serve({ endpoints: [ProgressJobs], apiKey: TEST_KEY, mode: 'load-balancer', port: 0, logger: new MemoryLogger() });
    gates.clear();
    const res = await request(`${worker.url}/execute`, { body: invocation(ProgressJobs, 'steps', ['lb', ['x', 'y']]) });
    expect(res.status).toBe(200);
    expect(defaultSerializer.decode((res.body as { result: unknown }).result)).toBe('lb finished');
  });
});

import type { IncomingMessage } from 'node:http';
import { IsInt, IsString, Min } from 'class-validator';
import { StaticDirectory } from '../../src/directory/static-directory';
import { ConfigurationError, RemoteExecutionError, SerializationError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { foreignEndpoint } from '../../src/router/foreign';
import { createRuntime } from '../../src/router/runtime';
import { rejectionOf, send, startScriptedServer, thrownBy, type ScriptedServer } from '../support/helpers';

// Issue 17: calls to RunPod endpoints that are not Switchyard workers. The stand-in is RunPod's
// job API in front of handlers that answer as runpod-python's do (protocol reference §1, §2.5).

const KEY = 'foreign-test-key-1234';

interface VllmInput {
  prompt: string;
  max_tokens: number;
}
class VllmOutput {
  @IsString()
  text!: string;
  @IsInt()
  @Min(0)
  tokens!: number;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
  });
}

/** What runpod-python reports for a handler that raised: the JSON string of error_type, error_message, error_traceback. */
const raised = JSON.stringify({
  error_type: "<class 'ValueError'>",
  error_message: 'prompt is empty',
  error_traceback: 'Traceback (most recent call last):\n  File "handler.py", line 9, in handler\nValueError: prompt is empty\n',
  hostname: 'worker-1',
});

describe('foreign endpoints (issue 17)', () => {
  let stub: ScriptedServer;
  const inputs: unknown[] = [];
  beforeAll(async () => {
    stub = await startScriptedServer(async (req, res) => {
      if (req.url?.includes('/status/')) return send(res, 200, { id: 'job-s', status: 'COMPLETED', output: { text: 'later', tokens: 2 } });
      const body = await readJson(req);
      inputs.push(body);
      const input = body.input as VllmInput;
      if (req.url?.includes('/run') && !req.url.includes('/runsync')) return send(res, 200, { id: 'job-s', status: 'IN_QUEUE' });
      if (input.prompt === '') return send(res, 200, { id: 'job-e', status: 'FAILED', error: raised });
      if (input.prompt === 'plain') return send(res, 200, { id: 'job-p', status: 'FAILED', error: 'CUDA out of memory' });
      if (input.prompt === 'bad-shape') return send(res, 200, { id: 'job-b', status: 'COMPLETED', output: { text: 1 } });
      send(res, 200, { id: 'job-1', status: 'COMPLETED', delayTime: 4, executionTime: 20, output: { text: `echo: ${input.prompt}`, tokens: input.max_tokens } });
    });
  });
  afterAll(() => stub.close());

  const runtime = () => createRuntime({ env: { RUNPOD_API_KEY: KEY, SWITCHYARD_POLL_INITIAL_MS: '20' }, logger: silentLogger, directory: new StaticDirectory({ llama: `${stub.url}v2/llama` }) });
  const llama = foreignEndpoint<VllmInput, VllmOutput>({ name: 'llama', validate: VllmOutput });

  it("sends RunPod's raw input with a policy and returns the handler's output, validated", async () => {
    await using rt = runtime();
    const out = await rt.foreign(llama).run({ prompt: 'hi', max_tokens: 5 }, { timeoutMs: 30_000 });
    expect(out).toBeInstanceOf(VllmOutput);
    expect(out).toEqual(Object.assign(new VllmOutput(), { text: 'echo: hi', tokens: 5 }));
    expect(inputs.at(-1)).toMatchObject({ input: { prompt: 'hi', max_tokens: 5 } });
    expect((inputs.at(-1) as { policy: { executionTimeout: number } }).policy.executionTimeout).toBeGreaterThan(28_000);
  });

  it("turns a raised exception's error string into RemoteExecutionError with its type, message and traceback", async () => {
    await using rt = runtime();
    const error = (await rejectionOf(rt.foreign(llama).run({ prompt: '', max_tokens: 1 }))) as RemoteExecutionError;
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.remote).toMatchObject({ name: 'ValueError', message: 'prompt is empty' });
    expect(error.remote.stack).toContain('Traceback (most recent call last)');
  });

  it('turns a plain-text error into RemoteExecutionError with that text', async () => {
    await using rt = runtime();
    const error = (await rejectionOf(rt.foreign(llama).run({ prompt: 'plain', max_tokens: 1 }))) as RemoteExecutionError;
    expect(error.remote.message).toBe('CUDA out of memory');
  });

  it('refuses an output its checks reject, naming the endpoint', async () => {
    await using rt = runtime();
    const error = await rejectionOf(rt.foreign(llama).run({ prompt: 'bad-shape', max_tokens: 1 }));
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('foreign endpoint "llama" is not a valid VllmOutput');
    const parsed = foreignEndpoint<VllmInput, string>({ name: 'llama', parse: (o) => (o as { text: string }).text.toUpperCase() });
    expect(await rt.foreign(parsed).run({ prompt: 'x', max_tokens: 1 })).toBe('ECHO: X');
  });

  it('spawns a foreign job and collects its output through a handle', async () => {
    await using rt = runtime();
    const handle = await rt.foreign(llama).spawn({ prompt: 'later', max_tokens: 2 });
    expect(handle.jobId).toBe('job-s');
    expect(await handle.result()).toEqual(Object.assign(new VllmOutput(), { text: 'later', tokens: 2 }));
  });

  it('refuses a malformed declaration', () => {
    expect(thrownBy(() => foreignEndpoint({ name: 'has space' }))).toBeInstanceOf(ConfigurationError);
    expect(thrownBy(() => foreignEndpoint({ name: 'llama', retries: 2 }))).toBeInstanceOf(ConfigurationError);
  });
});

describe('foreign generator handlers (issue 17, with streaming from issue 16)', () => {
  // A runpod-python generator handler's job as RunPod's job API shows it: /run, then /stream polls
  // with each yielded value as {"output": …}, and the job's final status.
  let stub: ScriptedServer;
  const polls = new Map<string, number>();
  const cancelled: string[] = [];
  beforeAll(async () => {
    stub = await startScriptedServer(async (req, res) => {
      const url = req.url ?? '';
      if (url.includes('/cancel/')) {
        cancelled.push(url.slice(url.lastIndexOf('/') + 1));
        return send(res, 200, { status: 'CANCELLED' });
      }
      const streamed = /\/stream\/([^?]+)/.exec(url);
      if (streamed) {
        const id = streamed[1]!;
        const n = (polls.get(id) ?? 0) + 1;
        polls.set(id, n);
        if (id === 'gen-ok') return send(res, 200, n === 1 ? { id, status: 'IN_PROGRESS', stream: [{ output: { token: 'He' } }, { output: { token: 'llo' } }] } : { id, status: 'COMPLETED', stream: [{ output: { token: '!' } }] });
        if (id === 'gen-fail') return send(res, 200, { id, status: 'FAILED', stream: [{ output: { token: 'partial' } }], error: raised });
        return send(res, 200, { id, status: 'IN_PROGRESS', stream: [{ output: { token: `t${n}a` } }, { output: { token: `t${n}b` } }] });
      }
      const body = await readJson(req);
      const prompt = (body.input as { prompt: string }).prompt;
      send(res, 200, { id: `gen-${prompt}`, status: 'IN_QUEUE' });
    });
  });
  afterAll(() => stub.close());

  const runtime = () => createRuntime({ env: { RUNPOD_API_KEY: KEY }, logger: silentLogger, directory: new StaticDirectory({ llama: `${stub.url}v2/llama` }) });
  const llama = foreignEndpoint<{ prompt: string }, string>({ name: 'llama', parseChunk: (c) => (c as { token: string }).token });

  async function collect(iterable: AsyncIterable<unknown>, limit = Infinity): Promise<unknown[]> {
    const seen: unknown[] = [];
    for await (const chunk of iterable) {
      seen.push(chunk);
      if (seen.length >= limit) break;
    }
    return seen;
  }

  it('yields what the handler yielded, as RunPod streams it, each chunk through parseChunk', async () => {
    await using rt = runtime();
    expect(await collect(rt.foreign(llama).stream<string>({ prompt: 'ok' }))).toEqual(['He', 'llo', '!']);
    const raw = foreignEndpoint<{ prompt: string }>({ name: 'llama' });
    polls.delete('gen-ok');
    expect(await collect(rt.foreign(raw).stream({ prompt: 'ok' }))).toEqual([{ token: 'He' }, { token: 'llo' }, { token: '!' }]);
  });

  it("throws the handler's typed error after the chunks it yielded before failing", async () => {
    await using rt = runtime();
    const seen: unknown[] = [];
    const error = (await rejectionOf(
      (async () => {
        for await (const chunk of rt.foreign(llama).stream<string>({ prompt: 'fail' })) seen.push(chunk);
      })(),
    )) as RemoteExecutionError;
    expect(seen).toEqual(['partial']);
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.remote).toMatchObject({ name: 'ValueError', message: 'prompt is empty' });
  });

  it('cancels the job when the loop stops early, and names the chunk parseChunk refuses', async () => {
    await using rt = runtime();
    expect(await collect(rt.foreign(llama).stream<string>({ prompt: 'endless' }), 3)).toEqual(['t1a', 't1b', 't2a']);
    expect(cancelled).toContain('gen-endless');
    const strict = foreignEndpoint<{ prompt: string }, string>({
      name: 'llama',
      parseChunk: (c) => {
        if ((c as { token: string }).token === 'llo') throw new Error('no "llo" here');
        return (c as { token: string }).token;
      },
    });
    polls.delete('gen-ok');
    const error = await rejectionOf(collect(rt.foreign(strict).stream({ prompt: 'ok' })));
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('chunk 1 of foreign endpoint "llama" was refused by its parseChunk function: no "llo" here');
  });
});

import type { IncomingMessage } from 'node:http';
import { IsInt, IsString, Min } from 'class-validator';
import { StaticDirectory } from '../../src/directory/static-directory';
import { ConfigurationError, InvalidRequestError, RemoteExecutionError, SerializationError } from '../../src/errors';
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

describe('foreign load-balancer endpoints (issue 17): a server behind a RunPod load balancer', () => {
  // A stand-in of vLLM's OpenAI-compatible server as RunPod's load balancer fronts it: the caller's
  // JSON body goes to the route as it is, and the reply's body is the output.
  let stub: ScriptedServer;
  const seen: Array<{ url: string; auth: string | undefined; body: Record<string, unknown> }> = [];
  let busy = 0;
  beforeAll(async () => {
    stub = await startScriptedServer(async (req, res) => {
      if (req.method === 'GET') return send(res, 200, { status: 'healthy' });
      const body = await readJson(req);
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      const prompt = body.prompt as string;
      if (prompt === 'bad') return send(res, 400, { object: 'error', message: 'max_tokens must be at least 1', code: 400 });
      if (prompt === 'crash') return send(res, 500, { object: 'error', message: 'CUDA error: an illegal memory access' });
      if (prompt === 'busy' && busy-- > 0) return send(res, 503, { error: 'no workers available' });
      send(res, 200, { object: 'text_completion', choices: [{ index: 0, text: `echo: ${prompt}` }], usage: { completion_tokens: body.max_tokens } });
    });
  });
  afterAll(() => stub.close());
  beforeEach(() => (seen.length = 0));

  interface Completion {
    choices: Array<{ text: string }>;
  }
  const runtime = () => createRuntime({ env: { RUNPOD_API_KEY: KEY, SWITCHYARD_POLL_INITIAL_MS: '20' }, logger: silentLogger, directory: new StaticDirectory({ vllm: `${stub.url}vllm` }) });

  it("POSTs the input as the body to the endpoint's route and returns the reply's JSON, parsed", async () => {
    await using rt = runtime();
    const vllm = foreignEndpoint<{ prompt: string; max_tokens: number }, string>({ name: 'vllm', type: 'load-balancer', path: '/v1/completions', parse: (o) => (o as Completion).choices[0]!.text });
    expect(await rt.foreign(vllm).run({ prompt: 'hi', max_tokens: 4 })).toBe('echo: hi');
    expect(seen).toEqual([{ url: '/vllm/v1/completions', auth: `Bearer ${KEY}`, body: { prompt: 'hi', max_tokens: 4 } }]);
  });

  it('turns a refusal of the input into InvalidRequestError and a server failure into RemoteExecutionError, neither retried', async () => {
    await using rt = runtime();
    const vllm = foreignEndpoint<{ prompt: string }>({ name: 'vllm', type: 'load-balancer', path: '/v1/completions', idempotent: true, retries: 2 });
    const refused = await rejectionOf(rt.foreign(vllm).run({ prompt: 'bad' }));
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect(refused.message).toContain('refused the input (HTTP 400 on /v1/completions): max_tokens must be at least 1');
    const failed = (await rejectionOf(rt.foreign(vllm).run({ prompt: 'crash' }))) as RemoteExecutionError;
    expect(failed).toBeInstanceOf(RemoteExecutionError);
    expect(failed.remote).toMatchObject({ name: 'HTTP 500', message: 'CUDA error: an illegal memory access' });
    expect(seen).toHaveLength(2);
  });

  it('retries what the load balancer did not accept (503), under the retry policy', async () => {
    await using rt = runtime();
    busy = 2;
    const vllm = foreignEndpoint<{ prompt: string }, Completion>({ name: 'vllm', type: 'load-balancer', path: '/v1/completions' });
    expect((await rt.foreign(vllm).run({ prompt: 'busy' })).choices[0]!.text).toBe('echo: busy');
    expect(seen).toHaveLength(3);
  });

  it('has no jobs to spawn or stream, and refuses a path that could leave the endpoint', async () => {
    await using rt = runtime();
    const vllm = foreignEndpoint<{ prompt: string }>({ name: 'vllm', type: 'load-balancer' });
    const spawned = await rejectionOf(rt.foreign(vllm).spawn({ prompt: 'x' }));
    expect(spawned).toBeInstanceOf(ConfigurationError);
    expect(spawned.message).toContain('is a load-balancer endpoint, which has no jobs to spawn: call it with run()');
    const streamed = await rejectionOf((async () => {
      for await (const chunk of rt.foreign(vllm).stream({ prompt: 'x' })) void chunk;
    })());
    expect(streamed).toBeInstanceOf(ConfigurationError);
    for (const path of ['v1/completions', '//evil.example/x', '/a/../b', '/a b', '/x#y']) {
      expect(thrownBy(() => foreignEndpoint({ name: 'vllm', type: 'load-balancer', path }))).toBeInstanceOf(ConfigurationError);
    }
    expect(thrownBy(() => foreignEndpoint({ name: 'llama', path: '/v1/completions' }))).toBeInstanceOf(ConfigurationError);
  });
});

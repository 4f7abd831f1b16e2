import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { defaultSerializer } from '../../src/serialization/serializer';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, invocation, request } from '../support/helpers';

@Endpoint({ name: 'fuzz-target' })
class FuzzTarget {
  @Remote() async add(a: number, b: number): Promise<number> {
    return a + b;
  }
}

const LIMIT = 64 * 1024;
/** Names the dispatcher may give a well-formed request whose input is not a valid call. */
const REQUEST_ERRORS = ['InvalidRequestError', 'RouteNotFoundError', 'SerializationError', 'ContractMismatchError', 'DeadlineExceededError'];

describe('serve() in http mode: refusals', () => {
  let worker: WorkerServer;
  let base: string;
  const logger = new MemoryLogger();

  beforeAll(async () => {
    worker = await serve({ endpoints: [FuzzTarget], apiKey: TEST_KEY, maxBodyBytes: LIMIT, logger });
    base = `${worker.url}/v2/fuzz-target`;
  });

  afterAll(async () => {
    await worker.close();
    expect(JSON.stringify(logger.records)).not.toContain(TEST_KEY);
  });

  afterEach(() => jest.restoreAllMocks());

  async function validRunsyncWorks(): Promise<void> {
    const res = await request(`${base}/runsync`, { body: { input: invocation(FuzzTarget, 'add', [20, 22]) } });
    expect(res.status).toBe(200);
    expect(defaultSerializer.decode((res.body.output as { result: unknown }).result)).toBe(42);
  }

  describe('authentication', () => {
    it.each([
      ['no Authorization header', null, 'Missing API key'],
      ['a wrong key of the same length', 'x'.repeat(TEST_KEY.length), 'Invalid API key'],
      ['a shorter key', TEST_KEY.slice(0, 5), 'Invalid API key'],
      ['a longer key', `${TEST_KEY}-and-more`, 'Invalid API key'],
      ['an empty key', '', 'Invalid API key'],
    ])('refuses %s with 401 JSON and never echoes the key', async (_label, key, message) => {
      const res = await request(`${base}/runsync`, { key, body: { input: invocation(FuzzTarget, 'add', [1, 2]) } });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.error).toContain(message);
      expect(res.text).not.toContain(TEST_KEY);
      if (key) expect(res.text).not.toContain(key);
    });

    it('checks the key before anything else (an unknown endpoint without a key is 401, not 404)', async () => {
      const res = await request(`${worker.url}/v2/secret-endpoint/health`, { key: null });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('secret-endpoint');
    });

    it('accepts the bare key without "Bearer", as RunPod does', async () => {
      const res = await request(`${base}/health`, { key: null, headers: { authorization: TEST_KEY } });
      expect(res.status).toBe(200);
    });
  });

  describe('routes', () => {
    it.each([
      ['an endpoint it does not serve', '/v2/not-here/runsync', 'POST', 404, 'is not served by this worker'],
      ['an unknown operation', '/v2/fuzz-target/retry/abc', 'POST', 404, 'No route'],
      ['a path outside /v2', '/', 'GET', 404, 'No route'],
      ['a status without a job id', '/v2/fuzz-target/status', 'GET', 404, 'No route'],
      ['a run with a job id', '/v2/fuzz-target/run/abc', 'POST', 404, 'No route'],
      ['GET on /run', '/v2/fuzz-target/run', 'GET', 405, 'use POST'],
      ['DELETE on /status', '/v2/fuzz-target/status/abc', 'DELETE', 405, 'use GET or POST'],
      ['POST on /health', '/v2/fuzz-target/health', 'POST', 405, 'use GET'],
      ['a malformed %-escape', '/v2/fuzz-target/status/%E0%A4%A', 'GET', 400, 'malformed %-escape'],
      ['a wait that is not a number', '/v2/fuzz-target/status-sync/abc?wait=soon', 'GET', 400, 'is not a number'],
    ])('refuses %s with a JSON error', async (_label, path, method, status, message) => {
      const res = await request(`${worker.url}${path}`, { method, rawBody: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body.error).toContain(message);
      if (status === 405) expect(res.headers.get('allow')).toBeTruthy();
    });
  });

  describe('bodies', () => {
    it.each([
      ['malformed JSON', '{"input": ', 'not valid JSON'],
      ['an empty body', '', 'body is empty'],
      ['a JSON array', '[{"input": {}}]', 'must be a JSON object'],
      ['JSON null', 'null', 'must be a JSON object'],
      ['a JSON string', '"input"', 'must be a JSON object'],
      ['an object without input', '{"inputs": {}}', 'no "input" field'],
      ['an input that is null', '{"input": null}', 'no "input" field'],
      ['input only under __proto__', '{"__proto__": {"input": {"sy": 1}}}', 'no "input" field'],
    ])('refuses %s with 400 JSON', async (_label, rawBody, message) => {
      const res = await request(`${base}/runsync`, { rawBody });
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
      expect(res.body.error).toContain('Send');
    });

    it.each(['run', 'runsync'])('refuses a /%s body over maxBodyBytes with 413 JSON', async (op) => {
      const res = await request(`${base}/${op}`, { body: { input: { blob: 'x'.repeat(LIMIT) } } });
      expect(res.status).toBe(413);
      expect(res.body.error).toContain(`${LIMIT}-byte limit of /${op}`);
      await validRunsyncWorks();
    });

    it('stops reading a chunked body as soon as it passes the limit (413)', async () => {
      const url = new URL(`${base}/runsync`);
      const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'transfer-encoding': 'chunked' } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ code: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.write(`{"input": "${'y'.repeat(LIMIT + 10)}`);
        // Never ends the body: the server must answer without reading it all.
      });
      expect(status.code).toBe(413);
      expect(JSON.parse(status.body).error).toContain('limit');
    });

    it('fails a job whose arguments carry __proto__ (SerializationError) and pollutes nothing', async () => {
      const input = { ...invocation(FuzzTarget, 'add', [1, 2]), args: JSON.parse('{"json":[{"__proto__":{"polluted":1}},2]}') };
      const spy = jest.spyOn(FuzzTarget.prototype, 'add');
      const res = await request(`${base}/runsync`, { rawBody: `{"input": ${JSON.stringify(input)}}` });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('FAILED');
      expect(JSON.parse(res.body.error as string).name).toBe('SerializationError');
      expect(spy).not.toHaveBeenCalled();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('generated malformed requests (fast-check)', () => {
    /** A valid call with one field broken so it can never be a valid call. */
    const brokenInvocation = fc
      .tuple(
        fc.constantFrom('sy', 'endpoint', 'method', 'args', 'callId', 'deadline', 'contract', 'argCount', 'protoArgs', 'extraProto'),
        fc.jsonValue(),
        fc.string({ maxLength: 20 }),
      )
      .map(([field, junk, text]) => {
        const inv: Record<string, unknown> = { ...invocation(FuzzTarget, 'add', [1, 2]) };
        switch (field) {
          case 'sy': inv.sy = junk === 1 ? 2 : junk; break;
          case 'endpoint': inv.endpoint = `x${text}`; break;
          case 'method': inv.method = text === 'add' ? 'ad' : text; break;
          case 'args': inv.args = Array.isArray(junk) ? { json: 'no' } : { notJson: junk }; break;
          case 'callId': inv.callId = typeof junk === 'string' ? '' : junk; break;
          case 'deadline': inv.deadline = typeof junk === 'number' ? -1 : junk; break;
          case 'contract': inv.contract = `wrong-${text}`; break;
          case 'argCount': inv.args = { json: [1, 2, junk] }; break;
          case 'protoArgs': inv.args = JSON.parse(`{"json":[{"__proto__":${JSON.stringify(junk)}},1]}`); break;
          case 'extraProto': return `{"input": {"__proto__": {"sy": 1}, "endpoint": ${JSON.stringify(text)}}}`;
        }
        return JSON.stringify({ input: inv });
      });

    const malformedBody = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.dictionary(fc.string().filter((k) => k !== 'input'), fc.jsonValue()).map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify({ input: v })),
      brokenInvocation,
      fc.jsonValue().map((v) => `{"__proto__": ${JSON.stringify(v)}, "constructor": {"prototype": {"input": 1}}}`),
    );

    /** What the server must answer for a body, decided from the body alone. */
    function expected(raw: string): 'refused-400' | 'failed-job' {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return 'refused-400';
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'refused-400';
      const input = (parsed as { input?: unknown }).input;
      return input === undefined || input === null ? 'refused-400' : 'failed-job';
    }

    it('answers 250 generated bad requests with a 400 JSON error or a FAILED job with a JSON error, and keeps serving', async () => {
      const spy = jest.spyOn(FuzzTarget.prototype, 'add');
      await fc.assert(
        fc.asyncProperty(malformedBody, async (raw) => {
          const res = await request(`${base}/runsync`, { rawBody: raw });
          expect(res.headers.get('content-type')).toContain('application/json');
          if (expected(raw) === 'refused-400') {
            expect(res.status).toBe(400);
            expect(typeof res.body.error).toBe('string');
          } else {
            expect(res.status).toBe(200);
            expect(res.body.status).toBe('FAILED');
            const failure = JSON.parse(res.body.error as string) as { name: string; message: string };
            expect(REQUEST_ERRORS).toContain(failure.name);
            expect(failure.message.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 250 },
      );
      expect(spy).not.toHaveBeenCalled();
      expect(({} as Record<string, unknown>).input).toBeUndefined();
      await validRunsyncWorks();
    });

    it('answers generated bodies over the limit with 413 JSON, and keeps serving', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: LIMIT + 1, max: 4 * LIMIT }), fc.constantFrom('run', 'runsync'), async (size, op) => {
          const res = await request(`${base}/${op}`, { rawBody: `{"input": "${'z'.repeat(size)}"}` });
          expect(res.status).toBe(413);
          expect(typeof res.body.error).toBe('string');
        }),
        { numRuns: 4 },
      );
      await validRunsyncWorks();
    });
  });
});

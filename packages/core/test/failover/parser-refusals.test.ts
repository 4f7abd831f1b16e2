import { connect } from 'node:net';
import { Endpoint, Remote } from '@switchyard/decorators';
import { startDirectoryServer } from '../../src/directory/directory-server';
import { silentLogger } from '../../src/observability/logger';
import { serve } from '../../src/worker';
import { request, TEST_KEY } from '../support/helpers';

// Issue 10: Node's HTTP parser answered oversized headers (431), truncated bodies and malformed
// requests (400) itself, with no JSON body. Every answer of a worker and of the directory server
// is JSON now, or the connection closes cleanly, and the server keeps serving.

@Endpoint({ name: 'parsed' })
class Parsed {
  @Remote()
  async ping(): Promise<string> {
    return 'pong';
  }
}

/** Writes raw bytes to the server and collects what comes back until it closes the connection (or `waitMs` passes). */
function raw(url: string, chunks: string[], options: { endAfter?: boolean; waitMs?: number } = {}): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed });
    }, options.waitMs ?? 2_000);
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ text, closed });
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (options.endAfter) socket.end();
    });
  });
}

/** The JSON body of the first HTTP reply in `text` (its content-length bytes after the head). */
function jsonBody(text: string): Record<string, unknown> {
  const headEnd = text.indexOf('\r\n\r\n');
  const length = Number(/content-length: (\d+)/i.exec(text.slice(0, headEnd))?.[1]);
  return JSON.parse(Buffer.from(text.slice(headEnd + 4)).subarray(0, length).toString()) as Record<string, unknown>;
}

const servers = {
  'worker (http mode)': async () => {
    const worker = await serve({ endpoints: [Parsed], apiKey: TEST_KEY, logger: silentLogger, env: {} });
    return { url: worker.url, legit: () => request(`${worker.url}/v2/parsed/health`), close: () => worker.close() };
  },
  'worker (load-balancer mode)': async () => {
    const worker = await serve({ endpoints: [Parsed], apiKey: TEST_KEY, logger: silentLogger, env: {}, mode: 'load-balancer' });
    return { url: worker.url, legit: () => request(`${worker.url}/ping`, { key: null }), close: () => worker.close() };
  },
  'directory server': async () => {
    const directory = await startDirectoryServer({ apiKey: TEST_KEY });
    return { url: directory.url, legit: () => request(`${directory.url}/`), close: () => directory.close() };
  },
};

describe.each(Object.keys(servers))('%s: requests the HTTP parser refuses', (name) => {
  let server: Awaited<ReturnType<(typeof servers)['directory server']>>;
  beforeAll(async () => {
    server = await servers[name as keyof typeof servers]();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    // Whatever the last request did, legitimate calls are still answered.
    expect((await server.legit()).status).toBe(200);
  });

  it('answers oversized headers with 431 and a JSON body', async () => {
    const { text } = await raw(server.url, [`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(jsonBody(text).error).toContain('headers are too large');
  });

  it('answers a malformed request with 400 and a JSON body', async () => {
    const { text } = await raw(server.url, ['THIS IS NOT HTTP\r\n\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(jsonBody(text).error).toContain('not valid HTTP/1.1');
  });

  it('closes cleanly (or answers JSON) when the body is cut short', async () => {
    const head = `POST /v2/parsed/run HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n`;
    const { text, closed } = await raw(server.url, [head, '{"input": {"sy"'], { endAfter: true });
    expect(closed).toBe(true);
    if (text !== '') expect(() => jsonBody(text)).not.toThrow();
  });

  it('keeps serving while a slow partial request holds a connection', async () => {
    const slow = raw(server.url, ['GET / HTTP/1.1\r\nhost: x\r\n'], { waitMs: 1_000 });
    expect((await server.legit()).status).toBe(200);
    const { text } = await slow;
    if (text !== '') expect(() => jsonBody(text)).not.toThrow();
  });
});

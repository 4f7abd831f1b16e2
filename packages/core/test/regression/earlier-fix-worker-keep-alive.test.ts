import { createConnection } from 'node:net';
import { Endpoint, Remote } from '@switchyard/decorators';
import { silentLogger } from '../../src/observability/logger';
import { serve } from '../../src/worker';

// An earlier fix (3e98ae7): Node closes idle keep-alive sockets after 5 s, and a busy client
// could write its next POST on a socket just as it closed. Workers keep idle sockets 65 s.

@Endpoint({ name: 'kept-alive' })
class KeptAlive {
  @Remote()
  async ping(): Promise<string> {
    return 'pong';
  }
}

describe('regression: the worker keeps idle keep-alive sockets longer than clients do', () => {
  it('announces a 65 s keep-alive and keeps an idle socket open past Node\'s 5 s default', async () => {
    await using worker = await serve({ endpoints: [KeptAlive], apiKey: 'keep-key', logger: silentLogger, env: {} });
    const { port } = new URL(worker.url);
    const socket = createConnection(Number(port), '127.0.0.1');
    const reply = await new Promise<string>((resolve) => {
      socket.once('data', (chunk) => resolve(chunk.toString()));
      socket.write(`GET /v2/kept-alive/health HTTP/1.1\r\nhost: x\r\nauthorization: Bearer keep-key\r\n\r\n`);
    });
    expect(reply).toMatch(/keep-alive: timeout=65/i);
    const closedEarly = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_500);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.destroy();
    expect(closedEarly).toBe(false);
  }, 15_000);
});

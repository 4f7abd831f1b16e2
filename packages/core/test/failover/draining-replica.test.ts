import { connect } from 'node:net';
import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { serve } from '../../src/worker';
import { gate, invocation, TEST_KEY } from '../support/helpers';

// Issue 10: a worker that is draining answers new jobs with 503 + Connection: close, and callers
// move on to another replica (503 is "not accepted", retried for every method). Its replies say
// Connection: close from the moment it drains, so no client writes a new request on a socket
// that is about to close.

const held = gate();
const ran: string[] = [];

@Endpoint({ name: 'draining' })
class Draining {
  @Remote()
  async work(replica: string, hold: boolean): Promise<string> {
    if (hold) await held.promise;
    ran.push(replica);
    return replica;
  }
}

describe('failover: a draining replica', () => {
  it('finishes its running job with Connection: close, runs no job sent after the drain began, and calls move on', async () => {
    const replicaA = await serve({ endpoints: [Draining], apiKey: TEST_KEY, logger: silentLogger, env: {} });
    const replicaB = await serve({ endpoints: [Draining], apiKey: TEST_KEY, logger: silentLogger, env: {} });
    const client = createRuntime({
      env: { RUNPOD_API_KEY: TEST_KEY },
      logger: silentLogger,
      directory: new StaticDirectory({ draining: [`${replicaA.url}/v2/draining`, `${replicaB.url}/v2/draining`] }),
    });
    try {
      // One connection to A: a runsync that holds A's job, then (pipelined) a new job.
      const { port } = new URL(replicaA.url);
      const socket = connect(Number(port), '127.0.0.1');
      let replies = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (replies += chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const post = (path: string, body: unknown): string => {
        const text = JSON.stringify(body);
        return `POST /v2/draining/${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
      };
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(post('runsync', { input: invocation(Draining, 'work', ['a', true]) }));
      await new Promise((r) => setTimeout(r, 100));
      const drained = replicaA.close();
      // A new job on the same (busy) connection once A drains.
      await new Promise((r) => setTimeout(r, 50));
      socket.write(post('run', { input: invocation(Draining, 'work', ['late', false]) }));

      // While A drains, calls that are not idempotent still succeed: they move to replica B.
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => client.call(Draining, 'work', [`call-${i}`, false])));
      expect(results).toEqual(Array.from({ length: 6 }, (_, i) => `call-${i}`));

      held.open();
      await drained;
      await closed;
      const [first, second] = replies.split(/(?=HTTP\/1\.1 )/);
      expect(first).toMatch(/^HTTP\/1\.1 200 /);
      expect(first).toContain('"status":"COMPLETED"');
      expect(first).toMatch(/connection: close/i);
      // The job written behind it never runs: refused with 503 + Connection: close, or, since the
      // reply before it closed the connection, never read at all.
      if (second !== undefined) {
        expect(second).toMatch(/^HTTP\/1\.1 503 /);
        expect(second).toMatch(/connection: close/i);
        expect(second).toContain('shutting down');
      }
      expect(ran).not.toContain('late');
    } finally {
      held.open();
      await client.close();
      await replicaB.close();
    }
  });
});

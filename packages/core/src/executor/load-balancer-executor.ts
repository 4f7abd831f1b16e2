import { randomUUID } from 'node:crypto';
import { numberOption } from '../config';
import type { EndpointAddress } from '../directory/endpoint-address';
import { EndpointUnavailableError, InvalidRequestError, RemoteExecutionError, SerializationError, type WireFailure } from '../errors';
import { parseFailure } from '../serialization/failure';
import { assertWireOutput, isWireFailureReply, type WireOutput } from '../serialization/wire';
import type { ExecuteRequest } from './executor';
import type { CallState } from './call-state';
import { HttpExecutor, type HttpExecutorOptions } from './http-executor';
import type { HttpReply, OpenReply } from './http-transport';
import { chunkOf, ndjsonLines } from './stream-readers';
import { noReplyFailure, replyFailure, serverMessage, type SentRequest } from './reply-errors';

/** Options of {@link LoadBalancerExecutor}. Unset values come from the resolved defaults. */
export interface LoadBalancerExecutorOptions extends HttpExecutorOptions {
  /** Longest one HTTP attempt may take, ms (the call's deadline still applies). Default 330000 (RunPod's 5.5 min limit). */
  timeoutMs?: number;
}

/**
 * Runs calls on load-balancing endpoints: `POST {address}/execute` with the invocation as the
 * JSON body and `Authorization: Bearer <key>`. There is no queue and no job id: the reply is the
 * result. `{"sy":1,"result":…}` is the result; `{"sy":1,"error":WireFailure}` (any status) is the
 * worker's definitive answer and becomes the remote error — the same class a queue endpoint
 * gives. Any other reply (RunPod's 502 "no workers available", a proxy page) and connection
 * errors go to the retry policy: every request that reaches a worker runs the method, so only
 * what was not accepted is retried for a method that is not idempotent.
 */
export class LoadBalancerExecutor extends HttpExecutor {
  protected readonly limitLabel = "RunPod's load-balancing endpoints";
  /** RunPod's load-balancer health check; a worker answers 200 once ready. */
  protected readonly healthRoute = '/ping';
  private readonly timeoutMs: number;

  constructor(options: LoadBalancerExecutorOptions = {}) {
    super('LoadBalancerExecutor', 'load-balancer', options, 'loadBalancerPayloadLimit');
    this.timeoutMs = numberOption('LoadBalancerExecutor', 'timeoutMs', options.timeoutMs, this.defaults, 'loadBalancerTimeoutMs');
  }

  protected bodyOf(request: ExecuteRequest): unknown {
    return request.foreign ? request.foreign.input : request.invocation;
  }

  protected abandonedNote(): string {
    return ' on a load-balancing endpoint (the request was abandoned; the worker aborts the method when the connection closes)';
  }

  protected async attempt(call: CallState, address: EndpointAddress): Promise<WireOutput> {
    const { budget } = call.request;
    call.request.observer?.submitting(address, call.submissions + 1, 'load-balancer');
    const foreign = call.request.foreign;
    const route = foreign ? (foreign.path ?? '/') : '/execute';
    const reply = await this.guard(call, address, async (): Promise<HttpReply> => {
      let answer: HttpReply;
      try {
        answer = await this.transport.send({
          origin: address.origin,
          path: `${address.path}${route}`,
          method: 'POST',
          headers: { ...call.headers, 'x-request-id': `lb-${randomUUID()}` },
          body: call.body,
          // The budget's own timer ends the call at its deadline; this one bounds a single attempt.
          timeoutMs: Math.min(this.timeoutMs, budget.remaining() + this.defaults.runsyncGraceMs),
          signal: budget.signal,
        });
      } catch (error) {
        if (budget.aborted) throw error;
        throw noReplyFailure(route, error);
      }
      if (foreign) return foreignAnswer(this.sent(call, address, route), answer);
      const body = parseJson(answer.text);
      // A Switchyard worker's answer, whatever its status: never retried, never counted by the breaker.
      if (isWireFailureReply(body)) throw this.remoteError(call, parseFailure(body.error));
      if (answer.status < 200 || answer.status > 299) throw replyFailure(this.sent(call, address, '/execute'), answer);
      return answer;
    });
    // A foreign server's body is its output as it sent it: JSON when it parses, else the text.
    if (foreign) return { sy: 1, result: (parseJson(reply.text) ?? reply.text) as WireOutput['result'] };
    return assertWireOutput(parseJson(reply.text) ?? reply.text, call.where, `${address.url}/execute`);
  }

  /**
   * The chunks of a streaming method's call, still encoded: `POST /execute` answers NDJSON, one
   * `{"sy":1,"chunk":…}` line per chunk, then `{"sy":1,"end":true}`, or `{"sy":1,"error":…}`
   * for a method that threw (its typed error, after the chunks before it). The submission runs
   * under the retry policy until the stream's headers arrive; stopping early closes the
   * connection, which aborts the method on the worker.
   */
  async *stream(request: ExecuteRequest): AsyncGenerator<unknown> {
    const { budget } = request;
    const where = `${request.endpoint}.${request.method}`;
    let origin = '';
    let failure: unknown;
    const reply = await this.run(request, async (call, address) => {
      origin = `${address.url}/execute`;
      failure = (f: WireFailure) => this.remoteError(call, f);
      call.request.observer?.submitting(address, call.submissions + 1, 'load-balancer');
      return this.guard(call, address, async () => {
        let open: OpenReply;
        try {
          open = await this.transport.open({ origin: address.origin, path: `${address.path}/execute`, method: 'POST', headers: { ...call.headers, 'x-request-id': `lb-${randomUUID()}` }, body: call.body, timeoutMs: Math.min(this.timeoutMs, budget.remaining() + this.defaults.runsyncGraceMs), signal: budget.signal });
        } catch (error) {
          if (budget.aborted) throw error;
          throw noReplyFailure('/execute', error);
        }
        if (open.status >= 200 && open.status <= 299 && String(open.headers['content-type'] ?? '').includes('ndjson')) return open;
        const answer: HttpReply = { status: open.status, headers: open.headers, text: await open.body.text() };
        const body = parseJson(answer.text);
        if (isWireFailureReply(body)) throw this.remoteError(call, parseFailure(body.error));
        if (answer.status >= 200 && answer.status <= 299) throw new SerializationError(`${address.url}/execute answered ${where} without a stream (content-type ${String(open.headers['content-type'])}); the method is not streaming on that worker: rebuild and redeploy both sides.`, { position: 'stream' });
        throw replyFailure(this.sent(call, address, '/execute'), answer);
      });
    });
    let ended = false;
    try {
      for await (const line of ndjsonLines(reply.body, origin)) {
        const record = line as { sy?: unknown; chunk?: unknown; end?: unknown; error?: unknown } | null;
        if (record && record.sy === 1 && record.end === true) {
          ended = true;
          return;
        }
        if (record && record.sy === 1 && record.error !== undefined) {
          ended = true;
          throw (failure as (f: WireFailure) => Error)(parseFailure(record.error));
        }
        yield chunkOf(line, where, origin);
      }
      throw new EndpointUnavailableError(`${origin} closed the stream of ${where} before its end line: the worker stopped mid-stream; the chunks so far were delivered.`, { endpoint: request.endpoint, method: request.method, address: origin, mayHaveRun: true });
    } finally {
      // Closing the connection is the cancel of a load-balancer call.
      if (!ended) reply.body.destroy();
    }
  }
}

/**
 * A foreign server's reply: a 2xx is the output; a 500 is the handler's failure
 * (RemoteExecutionError with its text, not retried, not counted by the breaker); a 400-class
 * refusal of the input is InvalidRequestError; everything else (401/403, 404, 413, 429, 502–504,
 * a proxy page) is read as for a Switchyard worker, under the same retry policy.
 */
function foreignAnswer(sent: SentRequest, answer: HttpReply): HttpReply {
  const { status } = answer;
  if (status >= 200 && status <= 299) return answer;
  const message = serverMessage(answer.text, sent.secrets);
  const context = { endpoint: sent.endpoint, method: sent.method };
  if (status === 500) {
    throw new RemoteExecutionError(`the server of foreign endpoint ${sent.endpoint} failed on ${sent.route} (HTTP 500): ${message}`, { ...context, remote: { name: `HTTP ${status}`, message } });
  }
  if ([400, 409, 410, 415, 422].includes(status)) {
    throw new InvalidRequestError(`foreign endpoint ${sent.endpoint} at ${sent.address} refused the input (HTTP ${status} on ${sent.route}): ${message}. Check the input against what that server expects.`, { ...context, details: [message] });
  }
  throw replyFailure(sent, answer);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

import { SerializationError } from '../errors';
import { preview } from '../serialization/wire';
import type { RunpodJob } from './runpod-job';

/**
 * The superjson encoding of one chunk of a streaming method, from a `{"sy": 1, "chunk": …}`
 * object; SerializationError naming `where` for anything else.
 */
export function chunkOf(value: unknown, where: string, origin: string): unknown {
  if (value !== null && typeof value === 'object' && (value as { sy?: unknown }).sy === 1 && 'chunk' in value) return (value as { chunk: unknown }).chunk;
  throw new SerializationError(`${origin} sent a stream element that is not a Switchyard chunk for ${where} (${preview(value)}); the endpoint is not a Switchyard worker of this version.`, { position: 'stream' });
}

/** One `/stream/{id}` reply: the job's status, the chunks (still encoded) and the error of a FAILED job. */
export interface StreamPoll {
  job: RunpodJob;
  chunks: unknown[];
}

/**
 * Reads RunPod's `/stream` reply `{"id", "status", "stream": [{"output": …}, …], "error"?}`.
 * `raw`: the endpoint is foreign (not a Switchyard worker), so each output is the chunk as its
 * handler yielded it.
 */
export function parseStreamPoll(text: string, jobId: string, where: string, origin: string, raw = false): StreamPoll {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const reply = body as { status?: unknown; stream?: unknown; error?: unknown; id?: unknown } | undefined;
  if (!reply || typeof reply !== 'object' || typeof reply.status !== 'string') {
    throw new SerializationError(`${origin} answered a /stream poll of ${where} with ${preview(text)}, which is not RunPod's {"status", "stream": […]}.`, { position: 'stream' });
  }
  const elements = Array.isArray(reply.stream) ? (reply.stream as unknown[]) : [];
  const chunks = elements.map((e) => {
    const output = (e as { output?: unknown } | null)?.output;
    return raw ? output : chunkOf(output, where, origin);
  });
  return { job: { id: typeof reply.id === 'string' ? reply.id : jobId, status: reply.status, error: reply.error }, chunks };
}

/** The lines of an NDJSON body as parsed values, as they arrive. */
export async function* ndjsonLines(body: AsyncIterable<Buffer>, origin: string): AsyncGenerator<unknown> {
  let pending = '';
  for await (const piece of body) {
    pending += piece.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield parseLine(line, origin);
      newline = pending.indexOf('\n');
    }
  }
  if (pending.trim() !== '') yield parseLine(pending.trim(), origin);
}

function parseLine(line: string, origin: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new SerializationError(`${origin} sent a stream line that is not JSON (${preview(line)}).`, { position: 'stream' });
  }
}

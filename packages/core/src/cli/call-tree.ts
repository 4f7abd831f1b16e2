import { Writable } from 'node:stream';
import { ConsoleLogger } from '../observability/logger';

/** One JSON log record of a dev worker (SWITCHYARD_LOG_FORMAT=json). */
export interface WorkerRecord {
  level: string;
  message: string;
  component?: string;
  [field: string]: unknown;
}

/** A dev worker, as the tree names where a job ran. */
export interface TreeWorker {
  pid: number;
  port: number;
}

/** How long after a job ends the tree waits for the line of the call that made it, ms. */
const PARENT_WAIT_MS = 300;

interface JobLine {
  /** The worker whose output carried the line: the one that ran the job. */
  worker?: TreeWorker;
  endpoint: string;
  method: string;
  callId: string;
  outcome: string;
  ms: number;
  at: number;
}

interface CallLine {
  callId: string;
  parentCallId: string;
  endpoint: string;
  method: string;
  outcome: string;
  ms: number;
  at: number;
}

/** A JSON log line of a worker, or undefined for any other line (the method's own console output). */
export function parseRecord(line: string): WorkerRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as Partial<WorkerRecord>;
    return typeof record.level === 'string' && typeof record.message === 'string' ? (record as WorkerRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** A record as the console logger would have written it in text format (without the trailing newline). */
export function renderRecord(record: WorkerRecord): string {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const { level, message, component, time: _time, ...fields } = record;
  const logger = new ConsoleLogger({ level: 'debug', stream: sink, prefix: component });
  const write = level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
  logger[write](message, fields);
  return text.replace(/\n$/, '');
}

/**
 * The live call tree of `switchyard dev`: each finished call is printed once its whole tree has
 * ended, the calls a job made indented under it, from the per-job (`ran …`) and per-call
 * (`called …`) lines the workers log. A job with no calling job among the workers (it came from
 * outside, e.g. a client or `switchyard call`) is a root; its tree is printed a moment after it
 * ends, once the line of any call that made it would have arrived.
 */
export class CallTree {
  private readonly jobs = new Map<string, JobLine>();
  private readonly calls = new Map<string, CallLine>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly workerOf: (endpoint: string) => TreeWorker | undefined,
  ) {}

  /** Takes one record (`from`: the worker that wrote it); true when it was a call or job line (the tree prints it, not the log). */
  add(record: WorkerRecord, from?: TreeWorker): boolean {
    const f = record as Record<string, unknown>;
    if (typeof f.callId !== 'string' || typeof f.endpoint !== 'string' || typeof f.method !== 'string') return false;
    const base = { callId: f.callId, endpoint: f.endpoint, method: f.method, outcome: String(f.outcome ?? 'ok'), ms: Number(f.ms ?? 0), at: Date.now() };
    if (record.message.startsWith('ran ')) {
      this.jobs.set(f.callId, { ...base, worker: from });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.calls.has(f.callId as string)) this.printTree(f.callId as string);
      }, PARENT_WAIT_MS);
      timer.unref();
      this.timers.add(timer);
      return true;
    }
    if (record.message.startsWith('called ') && typeof f.parentCallId === 'string') {
      this.calls.set(f.callId, { ...base, parentCallId: f.parentCallId });
      return true;
    }
    return false;
  }

  /** Stops the pending prints. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private printTree(rootId: string): void {
    const lines: string[] = [];
    const visit = (callId: string, depth: number, fallback?: CallLine): void => {
      const job = this.jobs.get(callId);
      const what = job ?? fallback;
      if (!what) return;
      // The worker that ran the job; else (a line from elsewhere) the endpoint's current one.
      const worker = job ? (job.worker ?? this.workerOf(job.endpoint)) : undefined;
      const where = worker ? `pid ${worker.pid} :${worker.port}` : 'no worker reached';
      // A nested call's own latency (the caller's view) when there is one; the job's otherwise.
      const ms = fallback?.ms ?? what.ms;
      lines.push(`${'  '.repeat(depth)}${what.endpoint}.${what.method}  ${where}  ${Math.round(ms)} ms  ${fallback?.outcome ?? what.outcome}`);
      const children = [...this.calls.values()].filter((c) => c.parentCallId === callId).sort((a, b) => a.at - b.at);
      for (const child of children) {
        this.calls.delete(child.callId);
        visit(child.callId, depth + 1, child);
      }
      this.jobs.delete(callId);
    };
    visit(rootId, 0);
    for (const line of lines) this.print(`call ${line}`);
  }
}

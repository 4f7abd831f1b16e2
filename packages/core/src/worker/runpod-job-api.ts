import ky, { HTTPError, TimeoutError, type KyInstance } from 'ky';
import { SerializationError } from '../errors';
import { failureJson } from '../serialization/failure';
import type { WireChunk } from '../serialization/wire';
import { isStreamOutcome, type JobOutcome, type WireProgress } from './dispatcher-types';
import type { RunpodUrls } from './runpod-urls';

/** One job as RunPod's job-take hands it out: `{id, input, ...extra}`. */
export interface RunpodJob {
  id: string;
  input: unknown;
  [field: string]: unknown;
}

/** What one job take came back with. Never an exception: the worker loop decides what to do. */
export type TakeResult =
  | { kind: 'jobs'; jobs: RunpodJob[]; rejected: string[] }
  /** 204, 400, an empty or non-JSON body, or a long poll that hit the client timeout. */
  | { kind: 'none'; reason: string }
  /** 429: back off. */
  | { kind: 'rate-limited' }
  /** Any other non-2xx, or a network error: log and back off. `url` is the URL asked (it holds no secret). */
  | { kind: 'failed'; reason: string; status?: number; url: string }
  /** The worker is closing and cancelled the request. */
  | { kind: 'aborted' };

/** What one job-stop long poll came back with. */
export type StopResult =
  | { kind: 'stop'; jobIds: string[] }
  | { kind: 'none'; reason: string }
  | { kind: 'rate-limited' }
  | { kind: 'failed'; reason: string; status?: number }
  | { kind: 'aborted' };

/** The fate of one job-done POST after every attempt. */
export interface PostReport {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was one. */
  status?: number;
  /** Why the last attempt failed. */
  reason?: string;
}

/** HTTP settings of the job-service client; every value has a default in startRunpodWorker. */
export interface RunpodJobApiOptions {
  urls: RunpodUrls;
  /** RUNPOD_AI_API_KEY, sent raw as Authorization; omitted when undefined. */
  apiKey?: string;
  /** Sent as `runpod_version` and in the User-Agent. */
  versionTag: string;
  fetch?: typeof fetch;
  /** Client timeout of a job-take or job-stop long poll, ms. */
  longPollTimeoutMs: number;
  /** Client timeout of one job-done attempt, ms. */
  postTimeoutMs: number;
  /** Job-done attempts in all (first try + retries) on 408/429/5xx and network errors. */
  postAttempts: number;
  /** Delay before retry n is `postRetryDelayMs * 2^(n-1)`, ms. */
  postRetryDelayMs: number;
  /** Largest Retry-After honoured on job-done retries, ms. */
  maxRetryAfterMs: number;
}

/** Statuses after which a job-done POST is tried again. */
const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

function messageOf(value: unknown): string | undefined {
  // Duck-typed: errors from fetch's internals may come from another realm (jest's vm, workers).
  return value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string'
    ? (value as { message: string }).message
    : undefined;
}

function describe(error: unknown): string {
  if (error instanceof TimeoutError) return 'the request timed out';
  const message = messageOf(error);
  if (message === undefined) return String(error);
  const cause = messageOf((error as { cause?: unknown }).cause);
  const name = (error as { name?: unknown }).name;
  return `${typeof name === 'string' ? name : 'Error'}: ${message}${cause ? ` (${cause})` : ''}`;
}

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

function snippet(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function isJob(value: unknown): value is RunpodJob {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { id?: unknown }).id === 'string' &&
    (value as { id: string }).id.length > 0 &&
    'input' in value
  );
}

/**
 * Reads a job-take body: an empty or non-JSON body is no job; a JSON object with `id` and
 * `input` is one job (the legacy single form); a JSON array is a batch. Entries without an
 * `id` or `input` are listed in `rejected` so the worker can log them.
 */
export function parseTakeBody(text: string): TakeResult {
  if (text.trim() === '') return { kind: 'none', reason: 'empty body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'none', reason: `body is not JSON: ${snippet(text)}` };
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const jobs: RunpodJob[] = [];
  const rejected: string[] = [];
  for (const entry of entries) {
    if (isJob(entry)) jobs.push(entry);
    else rejected.push(snippet(JSON.stringify(entry) ?? String(entry)));
  }
  if (jobs.length === 0 && rejected.length === 0) return { kind: 'none', reason: 'empty job list' };
  return { kind: 'jobs', jobs, rejected };
}

/**
 * The JSON body of a job-done POST: `{"output": …}` or `{"error": "<JSON string>"}`; after a
 * stream `{"output": []}`, as runpod-python's without aggregation (protocol reference §2.5).
 */
export function jobDoneBody(outcome: JobOutcome): string {
  if (outcome.status === 'FAILED') return JSON.stringify({ error: JSON.stringify(outcome.failure) });
  if ('chunks' in outcome) return JSON.stringify({ output: [] });
  try {
    return JSON.stringify({ output: outcome.output });
  } catch (error) {
    // A result the dispatcher encoded but JSON cannot carry must still end the job, as a failure.
    const refused = new SerializationError(
      `the job's output could not be written as JSON (${error instanceof Error ? error.message : String(error)}); return JSON-compatible values or register the class with registerClass().`,
      { position: 'output', cause: error },
    );
    return JSON.stringify({ error: failureJson(refused) });
  }
}

/** The headers of every job-service request (the heartbeat thread's too): User-Agent, and the raw key as Authorization. */
export function jobServiceHeaders(versionTag: string, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': `${versionTag} (runpod-worker; node ${process.version})` };
  // RunPod's worker API takes the raw key, without `Bearer` (protocol reference §2.1).
  if (apiKey !== undefined) headers.Authorization = apiKey;
  return headers;
}

/**
 * HTTP client of RunPod's worker-side job service: job take, job stop, job done, job stream and progress
 * (the heartbeat has a thread of its own, heartbeat-thread.ts). It never throws: every call returns what happened, and the worker loop decides what to do.
 */
export class RunpodJobApi {
  private readonly http: KyInstance;

  constructor(private readonly options: RunpodJobApiOptions) {
    this.http = ky.create({
      headers: jobServiceHeaders(options.versionTag, options.apiKey),
      retry: 0,
      throwHttpErrors: false,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** Asks for up to `count` jobs (batch form when count > 1); `jobInProgress` sets `job_in_progress`. */
  async take(count: number, jobInProgress: boolean, signal: AbortSignal): Promise<TakeResult> {
    const url = this.options.urls.take(count, jobInProgress);
    let response: Response;
    try {
      response = await this.http.get(url, { signal, timeout: this.options.longPollTimeoutMs });
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      if (error instanceof TimeoutError) return { kind: 'none', reason: `no reply within ${this.options.longPollTimeoutMs} ms (long poll)` };
      return { kind: 'failed', reason: describe(error), url };
    }
    const text = await readText(response);
    if (signal.aborted && text === '') return { kind: 'aborted' };
    // 400 is "no job" too: RunPod answers it when FlashBoot is enabled (protocol reference §2.3).
    if (response.status === 204 || response.status === 400) return { kind: 'none', reason: `HTTP ${response.status}` };
    if (response.status === 429) return { kind: 'rate-limited' };
    if (!response.ok) return { kind: 'failed', status: response.status, reason: `HTTP ${response.status} ${snippet(text)}`.trim(), url };
    return parseTakeBody(text);
  }

  /** One long poll of the job-stop channel: `{"jobsToStop": [ids]}` or 204. */
  async pollStops(url: string, signal: AbortSignal): Promise<StopResult> {
    let response: Response;
    try {
      response = await this.http.get(url, { signal, timeout: this.options.longPollTimeoutMs });
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      if (error instanceof TimeoutError) return { kind: 'none', reason: 'long poll timed out' };
      return { kind: 'failed', reason: describe(error) };
    }
    const text = await readText(response);
    if (signal.aborted && text === '') return { kind: 'aborted' };
    if (response.status === 204) return { kind: 'none', reason: 'HTTP 204' };
    if (response.status === 429) return { kind: 'rate-limited' };
    if (!response.ok) return { kind: 'failed', status: response.status, reason: `HTTP ${response.status} ${snippet(text)}`.trim() };
    try {
      const body = JSON.parse(text) as { jobsToStop?: unknown };
      const ids = Array.isArray(body?.jobsToStop) ? body.jobsToStop.filter((id): id is string => typeof id === 'string') : [];
      return ids.length > 0 ? { kind: 'stop', jobIds: ids } : { kind: 'none', reason: 'no job ids in jobsToStop' };
    } catch {
      return { kind: 'none', reason: `body is not JSON: ${snippet(text)}` };
    }
  }

  /**
   * Posts one job's result to the job-done URL with `X-Request-ID: <job id>`, trying up to
   * `postAttempts` times on 408/429/5xx and network errors (exponential delay). The end of a
   * streaming job (completed or failed) goes with `isStream=true`.
   */
  postResult(jobId: string, outcome: JobOutcome): Promise<PostReport> {
    return this.postTo(this.options.urls.done(jobId, isStreamOutcome(outcome)), jobId, jobDoneBody(outcome));
  }

  /**
   * Posts one chunk of a streaming job to the job-stream URL (RUNPOD_WEBHOOK_POST_STREAM,
   * `isStream=false`) as `{"output": <WireChunk>}`, as runpod-python posts each yield, with the
   * same retries as a result. Never called without that URL (the worker offers no stream then).
   */
  postChunk(jobId: string, chunk: WireChunk): Promise<PostReport> {
    return this.postTo(this.options.urls.stream(jobId)!, jobId, JSON.stringify({ output: chunk }));
  }

  /**
   * Posts a running job's progress as runpod-python's `progress_update` does (protocol reference
   * §2.6): the job-done URL, `isStream=false`, body `{"status": "IN_PROGRESS", "output": …}`,
   * with the same retries as a result.
   */
  postProgress(jobId: string, progress: WireProgress): Promise<PostReport> {
    return this.postTo(this.options.urls.done(jobId), jobId, JSON.stringify({ status: 'IN_PROGRESS', output: progress }));
  }

  private async postTo(url: string, jobId: string, body: string): Promise<PostReport> {
    let attempts = 0;
    try {
      const response = await this.http.post(url, {
        body,
        headers: { 'Content-Type': 'application/json', 'X-Request-ID': jobId },
        timeout: this.options.postTimeoutMs,
        throwHttpErrors: true,
        retry: {
          limit: Math.max(0, this.options.postAttempts - 1),
          methods: ['post'],
          statusCodes: RETRY_STATUSES,
          afterStatusCodes: [429, 503],
          maxRetryAfter: this.options.maxRetryAfterMs,
          retryOnTimeout: true,
          delay: (n) => this.options.postRetryDelayMs * 2 ** (n - 1),
        },
        hooks: {
          beforeRequest: [
            () => {
              attempts += 1;
            },
          ],
        },
      });
      await readText(response);
      return { ok: true, attempts, status: response.status };
    } catch (error) {
      if (error instanceof HTTPError) {
        const text = await readText(error.response);
        return { ok: false, attempts, status: error.response.status, reason: `HTTP ${error.response.status} ${snippet(text)}`.trim() };
      }
      return { ok: false, attempts, reason: describe(error) };
    }
  }
}

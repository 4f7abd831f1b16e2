/**
 * The URLs a RunPod serverless worker talks to, derived from the templates RunPod injects as
 * environment variables. The rules follow runpod-python (protocol reference §2.2): `$ID` in the
 * job-take template is the worker id; `$RUNPOD_POD_ID` in the job-done, job-stream and ping
 * templates is the worker id and `$ID` in the job-done and job-stream templates is the job id. Batch take and the stop
 * channel are derived by swapping the `/job-take/` path segment.
 */

/** The path segment that marks a job-take template; batch take and job stop swap it. */
const TAKE_SEGMENT = '/job-take/';

/**
 * Appends query parameters to a URL template with the right joiner (`?` when the URL has no
 * query yet, `&` otherwise, nothing when it already ends in `?` or `&`). Values are
 * percent-encoded (a comma becomes `%2C`, as runpod-python's client sends it).
 */
export function appendQuery(url: string, params: ReadonlyArray<readonly [string, string]>): string {
  if (params.length === 0) return url;
  const query = new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
  if (url.endsWith('?') || url.endsWith('&')) return `${url}${query}`;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Templates as RunPod injects them; `undefined` when the variable is unset. */
export interface RunpodUrlTemplates {
  /** RUNPOD_WEBHOOK_GET_JOB. */
  getJob: string;
  /** RUNPOD_WEBHOOK_POST_OUTPUT. */
  postOutput: string;
  /** RUNPOD_WEBHOOK_POST_STREAM: where a streaming method's chunks go. */
  postStream?: string;
  /** RUNPOD_WEBHOOK_PING. */
  ping?: string;
}

/** Builds every job-service URL for one worker. Pure: no I/O, no state beyond the templates. */
export class RunpodUrls {
  private readonly takeBase: string;
  private readonly doneBase: string;
  private readonly streamBase: string | undefined;
  private readonly pingBase: string | undefined;

  /**
   * @param templates the injected URL templates.
   * @param workerId this worker's id (RUNPOD_POD_ID, else a random UUID).
   */
  constructor(templates: RunpodUrlTemplates, readonly workerId: string) {
    const worker = encodeURIComponent(workerId);
    // runpod-python replaces only `$ID` in the take template; RunPod's own sample templates also
    // use `$RUNPOD_POD_ID` there, so both mean the worker id. `$RUNPOD_POD_ID` goes first: it
    // is the longer token.
    this.takeBase = templates.getJob.replaceAll('$RUNPOD_POD_ID', worker).replaceAll('$ID', worker);
    this.doneBase = templates.postOutput.replaceAll('$RUNPOD_POD_ID', worker);
    this.streamBase = templates.postStream?.replaceAll('$RUNPOD_POD_ID', worker);
    this.pingBase = templates.ping?.replaceAll('$RUNPOD_POD_ID', worker);
  }

  /** True when the take template has a `/job-take/` segment, so batch take and job stop exist. */
  get hasTakeSegment(): boolean {
    return this.takeBase.includes(TAKE_SEGMENT);
  }

  /**
   * The job-take URL for `count` free slots: the single form, or with more than one slot (and a
   * `/job-take/` segment) the batch form `/job-take-batch/…&batch_size=N`. `job_in_progress`
   * is 1 while this worker runs any job.
   */
  take(count: number, jobInProgress: boolean): string {
    const inProgress = ['job_in_progress', jobInProgress ? '1' : '0'] as const;
    if (count > 1 && this.hasTakeSegment) {
      return appendQuery(this.takeBase.replace(TAKE_SEGMENT, '/job-take-batch/'), [['batch_size', String(count)], inProgress]);
    }
    return appendQuery(this.takeBase, [inProgress]);
  }

  /** The job-stop long-poll URL (the take URL with `/job-stop/`, query kept), or undefined without a `/job-take/` segment. */
  stop(): string | undefined {
    return this.hasTakeSegment ? this.takeBase.replace(TAKE_SEGMENT, '/job-stop/') : undefined;
  }

  /** True when RUNPOD_WEBHOOK_POST_STREAM is set, so streaming methods can send their chunks. */
  get hasStream(): boolean {
    return this.streamBase !== undefined;
  }

  /**
   * The job-done URL of one job: `$ID` → job id, then `isStream=false`, or `isStream=true` for
   * the end of a streaming job (runpod-python's job-done after a generator).
   */
  done(jobId: string, isStream = false): string {
    return appendQuery(this.doneBase.replaceAll('$ID', encodeURIComponent(jobId)), [['isStream', String(isStream)]]);
  }

  /** The job-stream URL one chunk of a job is posted to (`$ID` → job id, then `isStream=false`), or undefined without RUNPOD_WEBHOOK_POST_STREAM. */
  stream(jobId: string): string | undefined {
    if (this.streamBase === undefined) return undefined;
    return appendQuery(this.streamBase.replaceAll('$ID', encodeURIComponent(jobId)), [['isStream', 'false']]);
  }

  /** The heartbeat URL carrying the in-progress job ids, or undefined when RUNPOD_WEBHOOK_PING is unset. */
  ping(jobIds: readonly string[], version: string): string | undefined {
    if (this.pingBase === undefined) return undefined;
    return appendQuery(this.pingBase, [['job_id', jobIds.join(',')], ['runpod_version', version]]);
  }
}

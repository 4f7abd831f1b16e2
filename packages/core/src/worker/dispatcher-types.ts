/** What a worker mode hands the dispatcher for one job. */
export interface JobContext {
  /** The RunPod job id (or the load-balancer request id). */
  jobId: string;
  /** Fires when the job is cancelled; the method receives it if it takes an AbortSignal. */
  signal: AbortSignal;
  /**
   * The endpoint the job was sent to (the `/v2/{endpointId}` of the local HTTP API), when known.
   * An invocation naming another endpoint is refused with RouteNotFoundError.
   */
  endpoint?: string;
}

/** The result of one job in RunPod's terms: COMPLETED with output, or FAILED with a JSON error string. */
export type JobOutcome =
  | { status: 'COMPLETED'; output: unknown }
  | { status: 'FAILED'; error: string; /** HTTP status a direct (LB) reply should use. */ httpStatus: number };

/** Maps a job's `input` to a hosted `@Remote` method and runs it. Never throws: failures are outcomes. */
export interface JobDispatcher {
  dispatch(input: unknown, context: JobContext): Promise<JobOutcome>;
}

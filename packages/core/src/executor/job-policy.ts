/** RunPod's bounds of a job's `policy` (protocol reference §1): executionTimeout 5 s to 7 days, ttl 10 s to 7 days. */
export const POLICY_LIMITS = {
  executionTimeout: { min: 5_000, max: 7 * 24 * 60 * 60_000 },
  ttl: { min: 10_000, max: 7 * 24 * 60 * 60_000 },
} as const;

/** Time a job's ttl keeps beyond the caller's deadline, so a result that lands at the deadline can still be read, ms. */
const TTL_SLACK_MS = 5_000;

/** The `policy` RunPod enforces on a job, derived from the call's budget. */
export interface JobPolicy {
  /** Longest run, ms: the platform stops the job after it (TIMED_OUT). */
  executionTimeout: number;
  /** Whole lifespan from submission, ms: the platform deletes the job after it, queued or running. */
  ttl: number;
}

function clamp(value: number, range: { min: number; max: number }): number {
  return Math.min(range.max, Math.max(range.min, Math.ceil(value)));
}

/**
 * The policy of a job submitted with `remainingMs` of the call's budget left: the platform kills
 * a job whose caller has given up even when no `/cancel` arrives (a crashed caller, a lost
 * network). Below RunPod's minimums the minimum is sent, so such a job may outlive the caller by
 * up to 5 s of execution (10 s of lifespan); the executor still cancels it when it can.
 * `keepResultMs`: how long the result must stay readable after the deadline (a spawned job's).
 */
export function jobPolicy(remainingMs: number, keepResultMs = 0): JobPolicy {
  return {
    executionTimeout: clamp(remainingMs, POLICY_LIMITS.executionTimeout),
    ttl: clamp(remainingMs + Math.max(TTL_SLACK_MS, keepResultMs), POLICY_LIMITS.ttl),
  };
}

/** How long RunPod keeps a `/run` job's result after it ends (30 min): a spawned job's ttl covers it. */
export const RUN_RESULT_RETENTION_MS = 30 * 60_000;

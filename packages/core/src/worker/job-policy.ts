import { HttpRefusal } from '../http';

/** A job's `policy` as a local worker applies it (protocol reference §1.2). */
export interface JobPolicy {
  /** ms a job may run once started; past it the job ends TIMED_OUT and its method is aborted. */
  executionTimeoutMs?: number;
  /** ms a job exists, counted from submit; past it the job is deleted, running or not (`/status` answers 404). */
  ttlMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** RunPod's documented ranges (protocol reference §1.2): executionTimeout 5 s to 7 days, ttl 10 s to 7 days. */
export const POLICY_RANGES = {
  executionTimeout: { min: 5_000, max: 7 * DAY_MS },
  ttl: { min: 10_000, max: 7 * DAY_MS },
} as const;

const EXAMPLE = '{"input": {...}, "policy": {"executionTimeout": 600000, "ttl": 86400000}}';

function milliseconds(policy: Record<string, unknown>, field: keyof typeof POLICY_RANGES): number | undefined {
  const value = policy[field];
  if (value === undefined || value === null) return undefined;
  const { min, max } = POLICY_RANGES[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const shown = JSON.stringify(value) ?? String(value);
    throw new HttpRefusal(
      400,
      `The request's "policy.${field}" must be a positive number of milliseconds from ${min} to ${max} (RunPod's range; values outside it are clamped to it), got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}. Send ${EXAMPLE}.`,
    );
  }
  // As RunPod documents only the range, a value outside it is clamped, as `?wait=` is.
  return Math.min(max, Math.max(min, Math.round(value)));
}

/**
 * Reads the optional `policy` of a `/run` or `/runsync` body. `executionTimeout` and `ttl` must
 * be positive numbers of ms; values outside RunPod's range are clamped to it. `lowPriority`
 * (only about scaling, so meaningless for one local worker) must be a boolean if present and is
 * otherwise ignored, as are unknown fields. A malformed policy is a 400 naming the field and
 * the allowed range.
 */
export function parseJobPolicy(raw: unknown): JobPolicy {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HttpRefusal(400, `The request's "policy" must be a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}. Send ${EXAMPLE}.`);
  }
  const policy = raw as Record<string, unknown>;
  const lowPriority = policy.lowPriority;
  if (lowPriority !== undefined && lowPriority !== null && typeof lowPriority !== 'boolean') {
    throw new HttpRefusal(400, `The request's "policy.lowPriority" must be true or false, got ${typeof lowPriority}. Send ${EXAMPLE}.`);
  }
  const result: JobPolicy = {};
  const executionTimeoutMs = milliseconds(policy, 'executionTimeout');
  if (executionTimeoutMs !== undefined) result.executionTimeoutMs = executionTimeoutMs;
  const ttlMs = milliseconds(policy, 'ttl');
  if (ttlMs !== undefined) result.ttlMs = ttlMs;
  return result;
}

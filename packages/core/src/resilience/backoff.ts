/**
 * Capped exponential backoff: `initialMs * 2^(attempt-1)`, never more than `maxMs`.
 * `attempt` starts at 1 (the delay before the first retry or poll).
 */
export function cappedExponentialDelay(attempt: number, initialMs: number, maxMs: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for huge attempts; Math.min keeps the cap either way.
  return Math.max(0, Math.min(maxMs, initialMs * 2 ** exponent));
}

/** "Full jitter": a uniform random delay in [0, ms], so many clients do not retry in lockstep. */
export function fullJitter(ms: number): number {
  return Math.random() * ms;
}

/**
 * Reads a Retry-After header (seconds, or an HTTP date) as milliseconds from now, capped at
 * `maxMs`. Returns undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, maxMs: number, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), maxMs);
}

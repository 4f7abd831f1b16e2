/**
 * Tells apart the two kinds of network failure `fetch` reports (undici's `TypeError: fetch
 * failed`, with the socket error as `cause`):
 * - `not-sent`: the connection was never established (refused, DNS failure, unreachable host,
 *   connect timeout). The server cannot have seen the request, so sending it again is always safe.
 * - `ambiguous`: the connection broke after the request may have been written (reset, "other
 *   side closed"). The server may have accepted it, so only an idempotent call may be resent.
 */
export type NetworkFailureKind = 'not-sent' | 'ambiguous';

/** Socket error codes that prove nothing reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCodes(cause: unknown): string[] {
  if (cause === null || typeof cause !== 'object') return [];
  const codes: string[] = [];
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') codes.push(code);
  // Happy-eyeballs connects report an AggregateError with one error per address tried.
  const inner = (cause as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) codes.push(...causeCodes(e));
  return codes;
}

/** The kind of network failure `error` is, or undefined when it is not a network failure at all. */
export function networkFailureKind(error: unknown): NetworkFailureKind | undefined {
  // Checked by name, not instanceof: fetch may come from another realm (vm contexts, jest).
  if (error === null || typeof error !== 'object' || (error as Error).name !== 'TypeError') return undefined;
  const cause = (error as { cause?: unknown }).cause;
  if ((error as Error).message !== 'fetch failed' && cause === undefined) return undefined;
  const codes = causeCodes(cause);
  return codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c)) ? 'not-sent' : 'ambiguous';
}

/** A short human description of a network failure, e.g. `connection refused (ECONNREFUSED)`. */
export function describeNetworkFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const codes = causeCodes(cause);
  const code = codes[0];
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'DNS lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'connection closed by the server',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  const messageOf = (e: unknown): string | undefined =>
    e !== null && typeof e === 'object' && typeof (e as Error).message === 'string' ? (e as Error).message : undefined;
  const message = messageOf(cause) ?? messageOf(error) ?? String(error);
  return code ? `${message} (${code})` : message;
}

/**
 * The value ky's `shouldRetry` was really given. ky wraps anything that is not `instanceof Error`
 * in its (unexported) NonError with the original as `value`; fetch errors from another realm
 * (vm contexts, jest) arrive that way.
 */
export function unwrapRetryError(error: Error): unknown {
  return error.name === 'NonError' && 'value' in error ? (error as { value: unknown }).value : error;
}

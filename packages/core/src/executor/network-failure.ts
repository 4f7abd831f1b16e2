/**
 * Tells apart the ways a request can fail without an HTTP reply:
 * - `not-sent`: the connection was never established (refused, DNS failure, unreachable host,
 *   connect timeout). The server cannot have seen the request, so sending it again is always safe.
 * - `ambiguous`: the connection broke after the request may have been written (reset, "other
 *   side closed", no reply in time). The server may have accepted it, so only an idempotent call
 *   may be sent again.
 */
export type NetworkFailureKind = 'not-sent' | 'ambiguous';

/** Socket error codes that prove nothing reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** Codes that mean the request may have been sent but no usable reply came back. */
const AMBIGUOUS_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'HPE_INVALID_CONSTANT',
]);

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_HEADERS_TIMEOUT: 'no reply in time',
  UND_ERR_BODY_TIMEOUT: 'the reply body stalled',
};

/** Every error code in `error` and its causes (happy-eyeballs connects report an AggregateError per address tried). */
function codes(error: unknown, depth = 0): string[] {
  if (error === null || typeof error !== 'object' || depth > 4) return [];
  const found: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') found.push(code);
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) found.push(...codes(e, depth + 1));
  found.push(...codes((error as { cause?: unknown }).cause, depth + 1));
  return found;
}

/** The kind of network failure `error` is, or undefined when it is not one (a bug, an abort). */
export function networkFailureKind(error: unknown): NetworkFailureKind | undefined {
  const found = codes(error);
  if (found.length === 0) return undefined;
  if (found.every((c) => NOT_SENT_CODES.has(c))) return 'not-sent';
  if (found.some((c) => AMBIGUOUS_CODES.has(c) || NOT_SENT_CODES.has(c))) return 'ambiguous';
  return undefined;
}

/** A short human description of a network failure, e.g. `connection refused (ECONNREFUSED)`. */
export function describeNetworkFailure(error: unknown): string {
  const code = codes(error).find((c) => c in DESCRIPTIONS) ?? codes(error)[0];
  if (code && DESCRIPTIONS[code]) return `${DESCRIPTIONS[code]} (${code})`;
  const message = error !== null && typeof error === 'object' && typeof (error as Error).message === 'string' ? (error as Error).message : String(error);
  return code ? `${message} (${code})` : message;
}

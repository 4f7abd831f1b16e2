import { redact, type Logger } from '../observability/logger';

/** Field names whose values are never passed on (same rule as the console logger). */
const SECRET_FIELD = /key|token|secret|password|authorization/i;

function scrub(value: unknown, secrets: readonly (string | undefined)[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  // Duck-typed so errors from another realm (fetch internals, jest's vm) are caught too.
  if (value !== null && typeof value === 'object' && typeof (value as Error).message === 'string') {
    const { name, message } = value as Error;
    return redact(`${typeof name === 'string' ? name : 'Error'}: ${message}`, secrets);
  }
  return value;
}

/**
 * Wraps any Logger so that the worker's records never carry the API key, whatever logger the
 * caller passes in (a MemoryLogger or a user's own does not redact by itself). Messages and
 * string fields are passed through redact(); Errors become `Name: message`; secret-looking
 * field names are replaced by `[redacted]`.
 */
export function redactingLogger(inner: Logger, secrets: readonly (string | undefined)[]): Logger {
  const write = (level: keyof Logger, message: string, fields?: Record<string, unknown>): void => {
    let clean: Record<string, unknown> | undefined;
    if (fields) {
      clean = {};
      for (const [k, v] of Object.entries(fields)) clean[k] = SECRET_FIELD.test(k) ? '[redacted]' : scrub(v, secrets);
    }
    inner[level](redact(message, secrets), clean);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

import type { Logger } from './logger';

/** Field names whose values are never passed on. */
const SECRET_FIELD = /key|token|secret|password|authorization/i;

/**
 * Replaces every occurrence of the given secrets (4 characters or longer) and any Bearer token
 * with `[redacted]`. Used by loggers and by error messages that quote URLs, headers or replies.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]');
}

/** An Error as one redacted line of text: `Name: message`. */
function describeError(error: Error, secrets: readonly (string | undefined)[]): string {
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const head = `${name}: ${String(error.message)}`;
  return redact(head, secrets);
}

/** The `at …` frames of an Error's stack, redacted, or undefined when it has none. */
function stackFrames(error: Error, secrets: readonly (string | undefined)[]): string | undefined {
  if (typeof error.stack !== 'string') return undefined;
  const frames = error.stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
  return frames.length > 0 ? redact(frames.map((line) => line.trim()).join('\n'), secrets) : undefined;
}

/**
 * One log record's fields with secrets removed: secret-looking names become `[redacted]`,
 * strings are redacted, an Error (of any realm) becomes `Name: message` and its stack frames
 * go to a `<field>Stack` field beside it.
 */
export function redactFields(fields: Record<string, unknown>, secrets: readonly (string | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = redact(value, secrets);
    else if (value !== null && typeof value === 'object' && typeof (value as Error).message === 'string') {
      out[key] = describeError(value as Error, secrets);
      const stack = stackFrames(value as Error, secrets);
      if (stack !== undefined) out[`${key}Stack`] = stack;
    } else out[key] = value;
  }
  return out;
}

/**
 * Wraps any Logger so that no record carries a secret, whatever logger the user passes in (a
 * MemoryLogger or a user's own does not redact by itself). The runtime applies it to every
 * logger it hands out, so every component logs through it.
 */
export function redactingLogger(inner: Logger, secrets: readonly (string | undefined)[]): Logger {
  const live = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const write = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void => {
    inner[level](redact(message, live), fields ? redactFields(fields, live) : undefined);
  };
  return {
    enabled: (level) => inner.enabled?.(level) ?? true,
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

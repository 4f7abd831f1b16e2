/** Minimal structured logger. Secrets are redacted before anything is written. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Field names whose values are never printed. */
const SECRET_FIELD = /key|token|secret|password|authorization/i;

/**
 * Replaces every occurrence of the given secrets, and the values of secret-looking fields, with
 * `[redacted]`. Used by the logger and by error messages that quote URLs or headers.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]');
}

function redactFields(fields: Record<string, unknown>, secrets: readonly (string | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (typeof v === 'string') out[k] = redact(v, secrets);
    else if (v instanceof Error) out[k] = redact(`${v.name}: ${v.message}`, secrets);
    else out[k] = v;
  }
  return out;
}

/**
 * Writes one line per record to a stream: `level message key=value…`. Level from the option,
 * else SWITCHYARD_LOG_LEVEL, else `info`. Known secrets (the API key) are redacted.
 */
export class ConsoleLogger implements Logger {
  private readonly threshold: number;

  constructor(
    private readonly options: {
      level?: LogLevel;
      secrets?: readonly (string | undefined)[];
      prefix?: string;
      stream?: NodeJS.WritableStream;
    } = {},
  ) {
    const level = options.level ?? (process.env.SWITCHYARD_LOG_LEVEL as LogLevel | undefined) ?? 'info';
    this.threshold = ORDER[level] ?? ORDER.info;
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.threshold) return;
    const secrets = this.options.secrets ?? [];
    const parts = [`${level.padEnd(5)}`, this.options.prefix ? `[${this.options.prefix}]` : '', redact(message, secrets)];
    if (fields) {
      for (const [k, v] of Object.entries(redactFields(fields, secrets))) parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    (this.options.stream ?? process.stderr).write(`${parts.filter(Boolean).join(' ')}\n`);
  }

  debug(message: string, fields?: Record<string, unknown>): void { this.write('debug', message, fields); }
  info(message: string, fields?: Record<string, unknown>): void { this.write('info', message, fields); }
  warn(message: string, fields?: Record<string, unknown>): void { this.write('warn', message, fields); }
  error(message: string, fields?: Record<string, unknown>): void { this.write('error', message, fields); }
}

/** A logger that keeps records in memory, for tests and for callers who route logs themselves. */
export class MemoryLogger implements Logger {
  readonly records: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  debug(message: string, fields?: Record<string, unknown>): void { this.records.push({ level: 'debug', message, fields }); }
  info(message: string, fields?: Record<string, unknown>): void { this.records.push({ level: 'info', message, fields }); }
  warn(message: string, fields?: Record<string, unknown>): void { this.records.push({ level: 'warn', message, fields }); }
  error(message: string, fields?: Record<string, unknown>): void { this.records.push({ level: 'error', message, fields }); }
}

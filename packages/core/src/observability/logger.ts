import { LOG_LEVELS, logLevelOf, type LogLevelName } from '../config';
import { redact, redactFields } from './redaction';

/** Minimal structured logger. The runtime wraps every logger so secrets are redacted before anything is written. */
export interface Logger {
  /** Whether records of `level` are written; callers skip building a record nobody reads. Absent = true. */
  enabled?(level: Exclude<LogLevelName, 'silent'>): boolean;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = LogLevelName;
const ORDER: Record<LogLevel, number> = Object.fromEntries(LOG_LEVELS.map((level, i) => [level, i])) as Record<LogLevel, number>;

/** Options of {@link ConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level written. Default `info` (createRuntime passes SWITCHYARD_LOG_LEVEL). An unknown level is a ConfigurationError. */
  level?: LogLevel;
  /** Values redacted from every record (the API key). Default none; Bearer tokens and secret-named fields are always redacted. */
  secrets?: readonly (string | undefined)[];
  /** Written as `[prefix]` after the level. */
  prefix?: string;
  /** Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
}

/**
 * Writes one line per record to a stream: `level [prefix] message key=value…`. Multi-line
 * values (an error's stack) follow on their own lines, indented.
 */
export class ConsoleLogger implements Logger {
  private readonly threshold: number;

  constructor(private readonly options: ConsoleLoggerOptions = {}) {
    this.threshold = ORDER[logLevelOf(options.level ?? 'info', 'ConsoleLogger option level')];
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return ORDER[level] >= this.threshold;
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.threshold) return;
    const secrets = this.options.secrets ?? [];
    const parts = [`${level.padEnd(5)}`, this.options.prefix ? `[${this.options.prefix}]` : '', redact(message, secrets)];
    const blocks: string[] = [];
    if (fields) {
      for (const [k, v] of Object.entries(redactFields(fields, secrets))) {
        if (v === undefined) continue;
        if (typeof v === 'string' && v.includes('\n')) blocks.push(v.replace(/^/gm, '    '));
        else parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      }
    }
    (this.options.stream ?? process.stderr).write(`${[parts.filter(Boolean).join(' '), ...blocks].join('\n')}\n`);
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

/** A logger that writes nothing. */
export const silentLogger: Logger = { enabled: () => false, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

import { LOG_FORMATS, LOG_LEVELS, logLevelOf, oneOf, type LogFormat, type LogLevelName, type SwitchyardDefaults } from '../config';
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
  /** Written as `[prefix]` after the level (`"component"` in JSON). */
  prefix?: string;
  /** `text` (default; createRuntime passes SWITCHYARD_LOG_FORMAT) or `json`: one JSON object per line. */
  format?: LogFormat;
  /** Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
}

/**
 * Writes one line per record to a stream: `level [prefix] message key=value…`. Multi-line
 * values (an error's stack) follow on their own lines, indented.
 */
export class ConsoleLogger implements Logger {
  private readonly threshold: number;
  private readonly json: boolean;

  constructor(private readonly options: ConsoleLoggerOptions = {}) {
    this.threshold = ORDER[logLevelOf(options.level ?? 'info', 'ConsoleLogger option level')];
    this.json = oneOf(options.format ?? 'text', LOG_FORMATS, 'ConsoleLogger option format', 'a log format') === 'json';
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return ORDER[level] >= this.threshold;
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.threshold) return;
    const secrets = this.options.secrets ?? [];
    if (this.json) {
      const record = { time: new Date().toISOString(), level, component: this.options.prefix, message: redact(message, secrets), ...(fields ? redactFields(fields, secrets) : {}) };
      (this.options.stream ?? process.stderr).write(`${JSON.stringify(record)}\n`);
      return;
    }
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

/** The console logger the resolved defaults ask for (SWITCHYARD_LOG_LEVEL, SWITCHYARD_LOG_FORMAT). */
export function defaultLogger(defaults: SwitchyardDefaults, prefix?: string): ConsoleLogger {
  return new ConsoleLogger({ level: defaults.logLevel, format: defaults.logFormat, prefix });
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

import { ConsoleLogger, type Logger } from '../src/observability/logger';
import { BENCH_KEY } from './bench-endpoints';

/** Warnings and errors only, to stderr: info lines would disturb the table and the timing. */
export function benchLogger(prefix: string): Logger {
  return new ConsoleLogger({ level: 'warn', prefix, secrets: [BENCH_KEY], stream: process.stderr });
}

import { readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks; 100 per second on every mainstream kernel config. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) another process has used so far, ms, from /proc/<pid>/stat; undefined
 * where /proc is not available. Resolution is one clock tick (10 ms), so measure spans of seconds.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after the name.
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

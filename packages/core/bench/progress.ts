/** Where benchmarks say what they are doing: stderr, so stdout carries only the table. */
export type Progress = (message: string) => void;

/** Writes progress lines to stderr. */
export const stderrProgress: Progress = (message) => process.stderr.write(`  · ${message}\n`);

/** Discards progress lines (tests). */
export const silentProgress: Progress = () => undefined;

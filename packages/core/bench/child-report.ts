/** For child scripts: exit when the parent closes stdin (or dies), after `cleanup`. */
export function exitWithParent(cleanup: () => Promise<void>): void {
  process.stdin.resume();
  process.stdin.on('end', () => {
    void cleanup().finally(() => process.exit(0));
  });
}

/** For child scripts: report one JSON line to the parent. */
export function report(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
